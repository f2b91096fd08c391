// class-transformer's @Type reads design-type metadata through the reflect-metadata polyfill.
import 'reflect-metadata';
import { Type } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsOptional, Min, ValidateNested, IsDefined } from 'class-validator';
import { IsId, IsText, IsTimestamp } from '../common/field.decorators';
import { IsCurrency, IsNonNegativeAmount } from '../common/money.decorators';

/** How a call ended; Asterisk's CDR dispositions in canonical spelling (`NO ANSWER` -> `no-answer`). */
export const CALL_DISPOSITIONS = ['answered', 'no-answer', 'busy', 'failed', 'congestion'] as const;
export type CallDisposition = (typeof CALL_DISPOSITIONS)[number];

/** The price applied to one usage record by the pricing step (from the customer's contract rate). */
export class UsagePricing {
  /** The contract rate's product code, e.g. `CONF-DIALIN-MIN`. */
  @IsOptional() @IsId() productCode?: string;
  /** Rate unit, e.g. `MIN`. */
  @IsOptional() @IsText(10) unit?: string;
  @IsNonNegativeAmount() unitPrice!: number;
  /** Billed quantity in `unit`, after the contract rate's rounding rule (free minutes, increment). */
  @IsOptional() @IsNonNegativeAmount() quantity?: number;
  @IsCurrency() currency!: string;
  /** Price of this call: quantity × unitPrice, or the rate's minimum charge when that is more. */
  @IsNonNegativeAmount() amount!: number;
}

/** Fields every usage record has, priced or not. */
export abstract class UsageFields {
  /** Unique per call, e.g. the bridge's CDR `uniqueid`. */
  @IsId() usageId!: string;
  /** The bridge's conference id, when the call was in a conference. */
  @IsOptional() @IsId() conferenceId?: string;
  @IsOptional() @IsId() bookingId?: string;
  /** The canonical customer id (the CDR's `accountcode`, translated). */
  @IsId() customerId!: string;
  /** Calling number or caller id as the bridge saw it. */
  @IsText(200) caller!: string;
  @IsTimestamp() startedAt!: string;
  @IsOptional() @IsTimestamp() answeredAt?: string;
  @IsTimestamp() endedAt!: string;
  @IsInt() @Min(0) durationSeconds!: number;
  /** Seconds from answer to hang-up; what is billed. */
  @IsInt() @Min(0) billableSeconds!: number;
  @IsIn(CALL_DISPOSITIONS) disposition!: CallDisposition;
  /**
   * False for a leg the bridge's config does not bill (e.g. an ordinary `Dial` leg logged beside the
   * conference legs): it is recorded, and pricing passes it over. Absent means billable.
   */
  @IsOptional() @IsBoolean() billable?: boolean;
}

/**
 * One call on the conference bridge (one CDR line), optionally already priced.
 *
 * @example
 * { usageId: '1764763200.17', conferenceId: 'conf-8812', customerId: '001Dm0000000001wtn',
 *   caller: '+4935112345', startedAt: '2026-12-03T14:00:02Z', answeredAt: '2026-12-03T14:00:05Z',
 *   endedAt: '2026-12-03T14:45:05Z', durationSeconds: 2703, billableSeconds: 2700, disposition: 'answered' }
 */
export class UsageRecord extends UsageFields {
  @IsOptional() @ValidateNested() @Type(() => UsagePricing) pricing?: UsagePricing;
}

/** A usage record that has been priced: `pricing` is required. */
export class PricedUsageRecord extends UsageFields {
  @IsDefined() @ValidateNested() @Type(() => UsagePricing) pricing!: UsagePricing;
}
