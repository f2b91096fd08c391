import { Type } from 'class-transformer';
import { IsIn, IsInt, IsISO8601, IsOptional, IsString, Max, Min } from 'class-validator';
import { ApiPropertyOptional } from '@nestjs/swagger';

const MESSAGE_STATUSES = ['accepted', 'delivered', 'partially-delivered', 'dead', 'discarded', 'unrouted'] as const;

/** `GET /admin/messages` filters; all optional, combined with AND. */
export class MessageSearchDto {
  @ApiPropertyOptional({ description: 'The message id' }) @IsOptional() @IsString() id?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() correlationId?: string;
  @ApiPropertyOptional({ description: 'A business key value (businessKeys: in bus.yaml), e.g. a booking ref' }) @IsOptional() @IsString() businessKey?: string;
  @ApiPropertyOptional({ description: 'Source or destination system' }) @IsOptional() @IsString() system?: string;
  @ApiPropertyOptional({ example: 'customer.updated' }) @IsOptional() @IsString() type?: string;
  @ApiPropertyOptional({ enum: MESSAGE_STATUSES }) @IsOptional() @IsIn(MESSAGE_STATUSES) status?: (typeof MESSAGE_STATUSES)[number];
  @ApiPropertyOptional({ description: 'ISO-8601' }) @IsOptional() @IsISO8601() since?: string;
  @ApiPropertyOptional({ description: 'ISO-8601' }) @IsOptional() @IsISO8601() until?: string;
  @ApiPropertyOptional({ default: 50, maximum: 500 }) @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(500) limit?: number;
  @ApiPropertyOptional({ description: 'nextCursor of the previous page' }) @IsOptional() @IsString() cursor?: string;
}
