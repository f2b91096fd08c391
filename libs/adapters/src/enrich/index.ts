export { billedQuantity, contractInForce, priceUsage, round, type ParkReason, type PricingOptions, type PricingResult, type Rounding } from './pricing';
export { addParked, addPriced, expectRecords, markSummarized, summaryDue, tallyKey, toSummary, type AggregationOptions, type ConferenceTally } from './aggregate';
