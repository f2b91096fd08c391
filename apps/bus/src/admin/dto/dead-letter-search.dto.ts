import { Type } from 'class-transformer';
import { IsIn, IsInt, IsISO8601, IsOptional, IsString, Max, Min } from 'class-validator';
import { ApiPropertyOptional } from '@nestjs/swagger';

const STATES = ['dead', 'replaying', 'replayed', 'discarded', 'all'] as const;

/** `GET /admin/dead-letters` filters, and the selection of a bulk replay. */
export class DeadLetterSearchDto {
  @ApiPropertyOptional({ description: 'Destination system' }) @IsOptional() @IsString() system?: string;
  @ApiPropertyOptional({ description: 'The message the dead letter holds' }) @IsOptional() @IsString() messageId?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() source?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() type?: string;
  @ApiPropertyOptional({ description: 'ISO-8601' }) @IsOptional() @IsISO8601() since?: string;
  @ApiPropertyOptional({ description: 'ISO-8601' }) @IsOptional() @IsISO8601() until?: string;
  @ApiPropertyOptional({ enum: STATES, default: 'dead' }) @IsOptional() @IsIn(STATES) state?: (typeof STATES)[number];
  @ApiPropertyOptional({ default: 50, maximum: 500 }) @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(500) limit?: number;
  @ApiPropertyOptional() @IsOptional() @IsString() cursor?: string;
}

/** `POST /admin/dead-letters/replay`: which dead letters to send again (at least one filter). */
export class BulkReplayDto {
  @ApiPropertyOptional() @IsOptional() @IsString() system?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() type?: string;
  @ApiPropertyOptional() @IsOptional() @IsISO8601() since?: string;
  @ApiPropertyOptional() @IsOptional() @IsISO8601() until?: string;
}
