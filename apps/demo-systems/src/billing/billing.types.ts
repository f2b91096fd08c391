/** Billing's records, in its own vocabulary; the XML documents have the same element names. */

export interface BillingAddress {
  Street: string;
  Zip: string;
  Town: string;
  /** ISO 3166-1 alpha-2. */
  CountryCode: string;
}

export interface BillingAccount {
  /** `B-10001`; assigned by billing on create, never by the caller. */
  AccountNo: string;
  CustomerName: string;
  Address: BillingAddress;
  EMail: string;
}

export interface RatePlanRate {
  ProductCode: string;
  Price: string;
  Unit: string;
}

export interface RatePlan {
  AccountNo: string;
  Currency: string;
  ValidFrom: string;
  Rates: RatePlanRate[];
}

export type PeriodStatus = 'OPEN' | 'CLOSED' | 'INVOICED';

export interface BillingPeriod {
  /** `P-10001-202611`. */
  PeriodId: string;
  AccountNo: string;
  From: string;
  To: string;
  Status: PeriodStatus;
  /** When billing opened the period (ISO-8601). */
  OpenedAt: string;
}

export interface UsageLine {
  ProductCode: string;
  Quantity: string;
  Date: string;
  Reference?: string;
  /** What the sender priced the line at, when it sends prices (the bus does, from the customer's contract). */
  Unit?: string;
  UnitPrice?: string;
  Amount?: string;
  Currency?: string;
}

/** A conference bridge's summary of one conference; stored as received for the next scenario. */
export type ConferenceSummary = Record<string, unknown>;

export interface InvoiceLine {
  ProductCode: string;
  Quantity: number;
  Unit: string;
  Price: number;
  Amount: number;
}

export interface Invoice {
  /** `INV-2026-00001`. */
  InvoiceId: string;
  AccountNo: string;
  PeriodId: string;
  IssueDate: string;
  DueDate: string;
  Currency: string;
  Lines: InvoiceLine[];
  Total: number;
  /** The UBL 2.1 document as issued. */
  ubl: string;
}
