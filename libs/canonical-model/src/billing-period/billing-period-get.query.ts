import { IsId } from '../common/field.decorators';

/**
 * Request of the query `billing-period.get` v1: "which is this customer's current billing period?".
 * The answer is a {@link BillingPeriod}.
 */
export class BillingPeriodGetV1 {
  @IsId() customerId!: string;
}
