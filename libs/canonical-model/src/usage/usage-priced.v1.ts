import { PricedUsageRecord } from './usage-record';

/** Payload of `usage.priced` v1: one call with the customer's contract rate applied. */
export class UsagePricedV1 extends PricedUsageRecord {}
