export { startSales, type SalesOptions, type RunningSales } from './sales/sales.server';
export { startBilling, type BillingOptions, type RunningBilling } from './billing/billing.server';
export type { OutboxEntry } from './shared/bus-link';
export type { ChaosSettings } from './shared/chaos';
export type * from './sales/sales.types';
export type * from './billing/billing.types';
