/** Sales CRM records, in the CRM's own vocabulary (REST style of a common CRM: `Id`, `__c` custom fields). */

export interface SObjectAttributes {
  type: string;
  url: string;
}

export interface Account {
  attributes: SObjectAttributes;
  /** 18 characters, starting `001`. */
  Id: string;
  Name: string;
  BillingStreet?: string;
  BillingPostalCode?: string;
  BillingCity?: string;
  BillingCountry?: string;
  Email__c?: string;
  /** `Active` | `Inactive` | `Blocked`. */
  Status__c: string;
  /** Set only by the bus (billing period opened, invoice issued). */
  Billing_Status__c?: string;
  CreatedDate: string;
  /** CRM timestamp format: `2026-11-28T09:00:00.000+0000`. */
  LastModifiedDate: string;
}

export interface Rate {
  ProductCode: string;
  UnitPrice: number;
  Unit: string;
}

export interface Contract {
  attributes: SObjectAttributes;
  /** 18 characters, starting `800`. */
  Id: string;
  AccountId: string;
  CurrencyIsoCode: string;
  /** `YYYY-MM-DD`. */
  StartDate: string;
  Rates__c: Rate[];
  CreatedDate: string;
  LastModifiedDate: string;
}

/** A note on an account, written when the bus reports a billing event. */
export interface Note {
  attributes: SObjectAttributes;
  /** 18 characters, starting `002`. */
  Id: string;
  ParentId: string;
  Title: string;
  Body: string;
  CreatedDate: string;
}

/** What `POST /bus/account-status` takes: a billing event, as the bus maps it for sales. */
export interface AccountStatusUpdate {
  AccountId: string;
  Billing_Status__c: string;
  Note: { Title: string; Body?: string };
}

/** Events sales posts to the bus; the record's own JSON plus `event`. */
export type SalesEvent = 'AccountCreated' | 'AccountUpdated' | 'ContractRatesChanged';
