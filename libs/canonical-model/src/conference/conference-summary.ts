import { IsInt, IsOptional, Min } from 'class-validator';
import { IsId } from '../common/field.decorators';
import { IsCurrency, IsNonNegativeAmount } from '../common/money.decorators';

/**
 * One conference after it ended: what billing needs beside the priced lines.
 *
 * @example
 * { conferenceId: 'conf-8812', customerId: '001Dm0000000001wtn', participants: 4,
 *   billableMinutes: 182, amount: 9.1, currency: 'EUR' }
 */
export class ConferenceSummary {
  @IsId() conferenceId!: string;
  /** The booking the conference was provisioned from, when the bus knows it. */
  @IsOptional() @IsId() bookingId?: string;
  @IsId() customerId!: string;
  /** Number of calls (participants) that were answered. */
  @IsInt() @Min(0) participants!: number;
  @IsNonNegativeAmount() billableMinutes!: number;
  @IsNonNegativeAmount() amount!: number;
  @IsCurrency() currency!: string;
}
