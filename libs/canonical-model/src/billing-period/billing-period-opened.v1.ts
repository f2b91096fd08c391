import { BillingPeriod } from './billing-period';

/** Payload of `billing-period.opened` v1: billing has opened a new period for a customer. */
export class BillingPeriodOpenedV1 extends BillingPeriod {}
