import { HttpError } from '../shared/http-kit';
import { list, rootOf, text } from './billing.xml';
import type { BillingAccount, RatePlan, UsageLine } from './billing.types';

/** Billing's own field rules, checked on every document it receives. */

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** `<BillingAccount>` without AccountNo (billing assigns it); `AccountNo` is returned separately when present. */
export function readAccount(doc: Record<string, unknown>): { accountNo?: string; fields: Omit<BillingAccount, 'AccountNo'> } {
  const node = rootOf(doc, 'BillingAccount');
  const address = (node.Address ?? {}) as Record<string, unknown>;
  const fields = {
    CustomerName: text(node, 'CustomerName'),
    Address: { Street: text(address, 'Street'), Zip: text(address, 'Zip'), Town: text(address, 'Town'), CountryCode: text(address, 'CountryCode') },
    EMail: text(node, 'EMail'),
  };
  if (!fields.CustomerName.trim()) throw new HttpError(400, 'BillingAccount/CustomerName is required');
  if (fields.Address.CountryCode && !/^[A-Z]{2}$/.test(fields.Address.CountryCode)) {
    throw new HttpError(400, `BillingAccount/Address/CountryCode must be a 2-letter ISO code, got "${fields.Address.CountryCode}"`);
  }
  if (fields.EMail && !/^[^@\s]+@[^@\s]+$/.test(fields.EMail)) throw new HttpError(400, `BillingAccount/EMail is not an e-mail address: "${fields.EMail}"`);
  const accountNo = text(node, 'AccountNo') || undefined;
  return { accountNo, fields };
}

export function readRatePlan(doc: Record<string, unknown>): { accountNo?: string; plan: Omit<RatePlan, 'AccountNo'> } {
  const node = rootOf(doc, 'RatePlan');
  const plan = {
    Currency: text(node, 'Currency'),
    ValidFrom: text(node, 'ValidFrom'),
    Rates: list((node.Rates as Record<string, unknown> | undefined)?.Rate).map((r, i) => {
      const rate = { ProductCode: text(r, 'ProductCode'), Price: text(r, 'Price'), Unit: text(r, 'Unit') };
      if (!rate.ProductCode) throw new HttpError(400, `RatePlan/Rates/Rate[${i + 1}]/ProductCode is required`);
      if (!/^\d+(\.\d+)?$/.test(rate.Price)) throw new HttpError(400, `RatePlan/Rates/Rate[${i + 1}]/Price must be a decimal like 0.05, got "${rate.Price}"`);
      return rate;
    }),
  };
  if (!/^[A-Z]{3}$/.test(plan.Currency)) throw new HttpError(400, `RatePlan/Currency must be a 3-letter ISO code, got "${plan.Currency}"`);
  if (!DATE.test(plan.ValidFrom)) throw new HttpError(400, `RatePlan/ValidFrom must be YYYY-MM-DD, got "${plan.ValidFrom}"`);
  return { accountNo: text(node, 'AccountNo') || undefined, plan };
}

export function readUsage(doc: Record<string, unknown>): UsageLine[] {
  const node = rootOf(doc, 'Usage');
  return list(node.UsageLine).map((l, i) => {
    const line: UsageLine = { ProductCode: text(l, 'ProductCode'), Quantity: text(l, 'Quantity'), Date: text(l, 'Date') };
    const reference = text(l, 'Reference');
    if (reference) line.Reference = reference;
    for (const field of ['Unit', 'UnitPrice', 'Amount', 'Currency'] as const) {
      const value = text(l, field);
      if (value) line[field] = value;
    }
    for (const field of ['UnitPrice', 'Amount'] as const) {
      if (line[field] !== undefined && !/^-?\d+(\.\d+)?$/.test(line[field]!)) throw new HttpError(400, `Usage/UsageLine[${i + 1}]/${field} must be a number, got "${line[field]}"`);
    }
    if (!line.ProductCode) throw new HttpError(400, `Usage/UsageLine[${i + 1}]/ProductCode is required`);
    if (!/^\d+(\.\d+)?$/.test(line.Quantity)) throw new HttpError(400, `Usage/UsageLine[${i + 1}]/Quantity must be a number, got "${line.Quantity}"`);
    if (!DATE.test(line.Date)) throw new HttpError(400, `Usage/UsageLine[${i + 1}]/Date must be YYYY-MM-DD, got "${line.Date}"`);
    return line;
  });
}

export function readConferenceSummaries(doc: Record<string, unknown>): Record<string, unknown>[] {
  return list(rootOf(doc, 'ConferenceSummaries').ConferenceSummary);
}

/** `<RatePlan>` as billing writes it: one `<Rate>` element per rate inside `<Rates>`. */
export const ratePlanXml = (plan: RatePlan) => ({ ...plan, Rates: { Rate: plan.Rates } });
