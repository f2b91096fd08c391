import { buildXml } from './billing.xml';
import type { BillingAccount, BillingPeriod, InvoiceLine } from './billing.types';

const NS = {
  '@_xmlns': 'urn:oasis:names:specification:ubl:schema:xsd:Invoice-2',
  '@_xmlns:cac': 'urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2',
  '@_xmlns:cbc': 'urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2',
};

/** Billing's own name as the supplier on every invoice. */
const SUPPLIER = 'BPI Conferencing GmbH';

/** UN/ECE Rec 20 unit codes for units billing spells out; a unit that already looks like a code is kept. */
const UNIT_CODES: Record<string, string> = { MINUTE: 'MIN', HOUR: 'HUR', MONTH: 'MON', EA: 'C62', PIECE: 'C62' };
export const unitCode = (unit: string) => UNIT_CODES[unit.toUpperCase()] ?? (/^[A-Z0-9]{2,3}$/.test(unit) ? unit : 'C62');

export interface UblInvoiceInput {
  invoiceId: string;
  issueDate: string;
  dueDate: string;
  currency: string;
  account: BillingAccount;
  period: BillingPeriod;
  lines: InvoiceLine[];
  total: number;
}

const amount = (value: number, currency: string) => ({ '#text': value.toFixed(2), '@_currencyID': currency });

/**
 * A UBL 2.1 Invoice (type code 380) as billing software writes one: code-list attributes on the codes
 * (`listID`, `listAgencyID`, `schemeID`, `unitCode`), the due date only as `PaymentMeans/PaymentDueDate`,
 * and a tax total. Billing charges no VAT in this stand-in (category `O`, outside scope), so the payable
 * amount equals the line total.
 */
export function ublInvoice(i: UblInvoiceInput): string {
  const { account: a } = i;
  return buildXml('Invoice', {
    ...NS,
    'cbc:UBLVersionID': '2.1',
    'cbc:CustomizationID': 'urn:cen.eu:en16931:2017',
    'cbc:ID': i.invoiceId,
    'cbc:IssueDate': i.issueDate,
    'cbc:InvoiceTypeCode': { '#text': '380', '@_listID': 'UNCL1001' },
    'cbc:DocumentCurrencyCode': { '#text': i.currency, '@_listID': 'ISO4217', '@_listAgencyID': '6' },
    'cbc:AccountingCost': i.period.PeriodId,
    'cac:InvoicePeriod': { 'cbc:StartDate': i.period.From, 'cbc:EndDate': i.period.To },
    'cac:AccountingSupplierParty': { 'cac:Party': { 'cac:PartyName': { 'cbc:Name': SUPPLIER } } },
    'cac:AccountingCustomerParty': {
      'cac:Party': {
        'cac:PartyIdentification': { 'cbc:ID': { '#text': a.AccountNo, '@_schemeID': 'ZZZ' } },
        'cac:PartyName': { 'cbc:Name': a.CustomerName },
        'cac:PostalAddress': {
          'cbc:StreetName': a.Address.Street,
          'cbc:CityName': a.Address.Town,
          'cbc:PostalZone': a.Address.Zip,
          'cac:Country': { 'cbc:IdentificationCode': a.Address.CountryCode },
        },
        'cac:Contact': { 'cbc:ElectronicMail': a.EMail },
      },
    },
    'cac:PaymentMeans': {
      'cbc:PaymentMeansCode': { '#text': '58', '@_name': 'SEPA credit transfer' },
      'cbc:PaymentDueDate': i.dueDate,
      'cbc:PaymentID': i.invoiceId,
    },
    'cac:TaxTotal': {
      'cbc:TaxAmount': amount(0, i.currency),
      'cac:TaxSubtotal': {
        'cbc:TaxableAmount': amount(i.total, i.currency),
        'cbc:TaxAmount': amount(0, i.currency),
        'cac:TaxCategory': {
          'cbc:ID': { '#text': 'O', '@_schemeID': 'UNCL5305' },
          'cbc:TaxExemptionReason': 'Not subject to VAT',
          'cac:TaxScheme': { 'cbc:ID': 'VAT' },
        },
      },
    },
    'cac:LegalMonetaryTotal': {
      'cbc:LineExtensionAmount': amount(i.total, i.currency),
      'cbc:TaxExclusiveAmount': amount(i.total, i.currency),
      'cbc:TaxInclusiveAmount': amount(i.total, i.currency),
      'cbc:PayableAmount': amount(i.total, i.currency),
    },
    'cac:InvoiceLine': i.lines.map((l, n) => ({
      'cbc:ID': String(n + 1),
      'cbc:InvoicedQuantity': { '#text': String(l.Quantity), '@_unitCode': unitCode(l.Unit), '@_unitCodeListID': 'UNECERec20' },
      'cbc:LineExtensionAmount': amount(l.Amount, i.currency),
      'cac:Item': {
        'cbc:Name': l.ProductCode,
        'cac:SellersItemIdentification': { 'cbc:ID': l.ProductCode },
        'cac:ClassifiedTaxCategory': { 'cbc:ID': 'O', 'cac:TaxScheme': { 'cbc:ID': 'VAT' } },
      },
      'cac:Price': { 'cbc:PriceAmount': { '#text': String(l.Price), '@_currencyID': i.currency } },
    })),
  });
}
