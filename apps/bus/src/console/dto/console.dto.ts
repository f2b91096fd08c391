import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayNotEmpty, IsArray, IsDefined, IsInt, IsISO8601, IsNotEmpty, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** `GET /admin/dead-letters/groups`: narrows which open dead letters are grouped. */
export class GroupFilterDto {
  @ApiPropertyOptional({ description: 'Destination system' }) @IsOptional() @IsString() system?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() type?: string;
  @ApiPropertyOptional({ description: 'ISO-8601' }) @IsOptional() @IsISO8601() since?: string;
  @ApiPropertyOptional({ description: 'ISO-8601' }) @IsOptional() @IsISO8601() until?: string;
}

const reason = () => IsNotEmpty({ message: 'reason is required: say why' });

/** A discard of a whole group. */
export class GroupDiscardDto {
  @ApiProperty({ example: 'test orders from the staging CRM' }) @IsString() @reason() @MaxLength(1000) reason!: string;
}

/** A selection of dead letters, by id, from the dead-letter page. */
export class SelectionDto {
  @ApiProperty({ type: [String] })
  @IsArray() @ArrayNotEmpty({ message: 'ids must name at least one dead letter' }) @ArrayMaxSize(1000) @IsString({ each: true })
  ids!: string[];

  @ApiPropertyOptional({ description: 'Why (kept in the audit trail; required for a discard)' }) @IsOptional() @IsString() @MaxLength(1000) reason?: string;
}

/** Not a subclass of SelectionDto: its optional `reason` would make this one optional too. */
export class SelectionDiscardDto {
  @ApiProperty({ type: [String] })
  @IsArray() @ArrayNotEmpty({ message: 'ids must name at least one dead letter' }) @ArrayMaxSize(1000) @IsString({ each: true })
  ids!: string[];

  @ApiProperty() @IsString() @reason() @MaxLength(1000) reason!: string;
}

/** Edit-and-retry: the corrected canonical payload and why it was changed. */
export class EditDeadLetterDto {
  @ApiProperty({ description: 'The whole canonical payload, as it should be sent' }) @IsDefined({ message: 'payload is required' }) payload!: unknown;
  @ApiProperty({ example: 'postcode had a typo; confirmed with sales' }) @IsString() @reason() @MaxLength(1000) reason!: string;
}

/** `GET /admin/audit` filters. */
export class AuditSearchDto {
  @ApiPropertyOptional({ description: 'Token name' }) @IsOptional() @IsString() actor?: string;
  @ApiPropertyOptional({ example: 'dead-letter.replay' }) @IsOptional() @IsString() action?: string;
  @ApiPropertyOptional({ description: 'Dead letter id, job name, …' }) @IsOptional() @IsString() target?: string;
  @ApiPropertyOptional({ description: 'ISO-8601' }) @IsOptional() @IsISO8601() since?: string;
  @ApiPropertyOptional({ description: 'ISO-8601' }) @IsOptional() @IsISO8601() until?: string;
  @ApiPropertyOptional({ default: 50, maximum: 500 }) @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(500) limit?: number;
  @ApiPropertyOptional() @IsOptional() @IsString() cursor?: string;
}
