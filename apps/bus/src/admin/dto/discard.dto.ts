import { IsNotEmpty, IsOptional, IsString, MaxLength } from 'class-validator';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** A discarded dead letter stays in the journal with this reason. */
export class DiscardDto {
  @ApiProperty({ example: 'customer deleted in sales; nothing to bill' })
  @IsString() @IsNotEmpty({ message: 'reason is required: say why the message is discarded' }) @MaxLength(1000)
  reason!: string;
}

/** Replaying a refused inbound record (a bad CSV row) may carry its corrected native text. */
export class ReplayDto {
  @ApiPropertyOptional({ description: 'Corrected native record, for refused inbound records only' })
  @IsOptional() @IsString() @IsNotEmpty()
  native?: string;
}
