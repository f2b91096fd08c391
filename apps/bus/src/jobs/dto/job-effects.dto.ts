import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsIn, IsInt, IsNotEmpty, IsOptional, IsString, Max, MaxLength, Min, ValidateIf, ValidateNested } from 'class-validator';

const STATES = ['started', 'done', 'failed', 'unknown', 'retry'] as const;

/** `GET /admin/jobs/{name}/effects?state=unknown&runKey=…` */
export class JobEffectSearchDto {
  @ApiPropertyOptional({ enum: STATES, example: 'unknown' })
  @IsOptional() @IsIn(STATES)
  state?: (typeof STATES)[number];

  @ApiPropertyOptional({ example: '2026-12-04' })
  @IsOptional() @IsString()
  runKey?: string;

  @ApiPropertyOptional({ description: 'At most this many (1-10000)', default: 500 })
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(10_000)
  limit?: number;
}

/** One effect: as `GET …/effects` lists it. */
export class EffectRefDto {
  @ApiProperty({ example: '2026-12-04' }) @IsString() @IsNotEmpty() runKey!: string;
  @ApiProperty({ example: 'C1001' }) @IsString() @IsNotEmpty() recipient!: string;
  @ApiProperty({ enum: ['print', 'email'] }) @IsIn(['print', 'email']) effect!: 'print' | 'email';
}

/** `POST /admin/jobs/{name}/effects/resolve`: an operator's decision on effects of unknown outcome. */
export class ResolveEffectsDto {
  @ApiProperty({ enum: ['send', 'done'], description: 'send: send it once now; done: it arrived, mark it done' })
  @IsIn(['send', 'done'], { message: 'action must be "send" (send it once now) or "done" (it arrived)' })
  action!: 'send' | 'done';

  @ApiProperty({ example: 'customer confirmed no e-mail arrived' })
  @IsString() @IsNotEmpty({ message: 'reason is required: say why the effect is sent or marked done' }) @MaxLength(1000)
  reason!: string;

  @ApiPropertyOptional({ type: [EffectRefDto], description: 'The effects; omit and give runKey for every unknown effect of that run key' })
  @ValidateIf((d: ResolveEffectsDto) => d.runKey === undefined)
  @ValidateNested({ each: true }) @Type(() => EffectRefDto) @ArrayMinSize(1, { message: 'effects: name at least one effect, or give runKey' }) @ArrayMaxSize(10_000)
  effects?: EffectRefDto[];

  @ApiPropertyOptional({ example: '2026-12-04' })
  @IsOptional() @IsString() @IsNotEmpty()
  runKey?: string;
}
