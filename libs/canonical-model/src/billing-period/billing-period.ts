import { IsIn } from 'class-validator';
import { IsCalendarDate, IsId } from '../common/field.decorators';

/** States of a billing period: open for usage, closed for usage, invoiced. */
export const BILLING_PERIOD_STATUSES = ['open', 'closed', 'invoiced'] as const;
export type BillingPeriodStatus = (typeof BILLING_PERIOD_STATUSES)[number];

/**
 * A customer's billing period in the billing system; usage is billed into the open one.
 *
 * @example
 * { customerId: 'B-10001', periodId: 'P-10001-202612', from: '2026-12-01', to: '2026-12-31', status: 'open' }
 */
export class BillingPeriod {
  @IsId() customerId!: string;
  @IsId() periodId!: string;
  /** First day of the period (inclusive). */
  @IsCalendarDate() from!: string;
  /** Last day of the period (inclusive). */
  @IsCalendarDate() to!: string;
  @IsIn(BILLING_PERIOD_STATUSES) status!: BillingPeriodStatus;
}
