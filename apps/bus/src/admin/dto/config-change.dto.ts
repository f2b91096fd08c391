import { Type } from 'class-transformer';
import { IsInt, IsNotEmpty, IsObject, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** GET /admin/config/history */
export class ConfigHistoryQueryDto {
  @ApiPropertyOptional({ default: 50, maximum: 500 }) @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(500) limit?: number;
  @ApiPropertyOptional({ description: 'nextCursor of the previous page' }) @IsOptional() @IsString() cursor?: string;
}

/** POST /admin/config/rollback */
export class ConfigRollbackDto {
  @ApiProperty({ example: '3f2a9c01b7de', description: 'A version from GET /admin/config/history' })
  @IsString() @IsNotEmpty() version!: string;

  @ApiProperty({ example: 'new erp mapping drops the street; back to yesterday' })
  @IsString() @IsNotEmpty({ message: 'reason is required: say why the config is rolled back' }) @MaxLength(1000)
  reason!: string;

  @ApiPropertyOptional({ description: 'The version you saw running; 409 CONFIG.VERSION_MOVED when another one is active now' })
  @IsOptional() @IsString() expectedVersion?: string;
}

/** POST /admin/config/apply: what `bpi-bus apply` sends. */
export class ConfigApplyDto {
  @ApiProperty({ description: 'Every file of the version by path relative to the config folder: bus.yaml, mappings, templates', example: { 'bus.yaml': 'systems: …', 'mappings/crm/inbound.jsonata': '…' } })
  @IsObject() files!: Record<string, string>;

  @ApiProperty({ example: 'route invoices to the new archive' })
  @IsString() @IsNotEmpty({ message: 'reason is required: say why the config changes' }) @MaxLength(1000)
  reason!: string;

  @ApiProperty({ description: 'The version the change was planned against; 409 CONFIG.VERSION_MOVED when another one is active now' })
  @IsString() @IsNotEmpty({ message: 'expectedVersion is required: the version you planned against (bpi-bus plan shows it)' })
  expectedVersion!: string;
}
