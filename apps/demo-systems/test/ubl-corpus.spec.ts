import 'reflect-metadata';
import { loadJsonataMapping, type SystemMapping } from '@bus/adapters';
import { validatePayload, type Invoice } from '@bus/canonical-model';
import * as path from 'node:path';
import { ublInvoice } from '../src/billing/billing.ubl';
import { caseName, decodeNative, MAPPINGS, nativeSamples, readFixture, xmlCodec } from './mapping-fixtures';

/**
 * UBL 2.1 as billing software writes it, from billing's post to the note sales shows. The corpus is
 * config/mappings/billing/__fixtures__/inbound-ubl-*; the property test generates further invoices from
 * a seeded generator (no property-testing library is installed in this repository; a failure prints
 * the seed and case number, which reproduce it).
 */

const money = (n: number) => n.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });

function salesEnvelope(payload: unknown) {
  return { id: 'm-1', type: 'invoice.issued', schemaVersion: 1, source: 'billing', correlationId: 'm-1', occurredAt: '2026-12-31T18:00:00Z', payload } as never;
}

describe('UBL documents from billing to sales', () => {
  let billing: SystemMapping;
  let sales: SystemMapping;
  beforeAll(async () => {
    billing = await loadJsonataMapping(path.join(MAPPINGS, 'billing'));
    sales = await loadJsonataMapping(path.join(MAPPINGS, 'sales'));
  });

  const corpus = nativeSamples('billing', 'inbound-ubl-');

  it('should hold at least eight documents of different shapes', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(8);
  });

  it.each(corpus)('should bring %s to sales with its number, dates, currency, each line and the totals', async (file) => {
    const [draft] = await billing.toCanonical(decodeNative(file, readFixture('billing', file)));
    expect(draft).toEqual(readFixture('billing', `${caseName(file)}.canonical.json`)[0]);
    const invoice = draft.payload as Invoice;
    expect(validatePayload('invoice.issued', invoice)).toEqual([]);

    const native = (await sales.fromCanonical(salesEnvelope(invoice), { xref: null })) as { Note: { Title: string; Body: string } };
    const body = native.Note.Body;
    expect(native.Note.Title).toContain(invoice.invoiceId);
    for (const text of [invoice.issueDate, invoice.dueDate, `currency ${invoice.currency}`, `${money(invoice.totalAmount)} ${invoice.currency}`]) {
      if (text) expect(body).toContain(text);
    }
    for (const line of invoice.lines) expect(body).toContain(`= ${money(line.amount)} ${invoice.currency}`);
    expect(body.split('\n').filter((l) => /^\d+\. /.test(l))).toHaveLength(invoice.lines.length);
  });

  it("should read the billing stand-in's own invoice, whose due date is only PaymentMeans/PaymentDueDate", async () => {
    const xml = ublInvoice({
      invoiceId: 'INV-2026-00009', issueDate: '2026-12-31', dueDate: '2027-01-14', currency: 'EUR', total: 25.9,
      account: { AccountNo: 'B-10001', CustomerName: 'Acme', Address: { Street: 'Hauptstr. 1', Zip: '01067', Town: 'Dresden', CountryCode: 'DE' }, EMail: 'a@acme.example' },
      period: { PeriodId: 'P-10001-202612', AccountNo: 'B-10001', From: '2026-12-01', To: '2026-12-31', Status: 'Invoiced', OpenedAt: '2026-12-01T00:00:00Z' } as never,
      lines: [{ ProductCode: 'CONF-DIALIN-MIN', Quantity: 120, Unit: 'MIN', Price: 0.05, Amount: 6 }, { ProductCode: 'CONF-BASE', Quantity: 1, Unit: 'MON', Price: 19.9, Amount: 19.9 }],
    });
    const [draft] = await billing.toCanonical(xmlCodec.decode(Buffer.from(xml)));
    expect(validatePayload('invoice.issued', draft.payload)).toEqual([]);
    expect(draft.payload).toMatchObject({ customerId: 'B-10001', currency: 'EUR', dueDate: '2027-01-14', taxAmount: 0, totalAmount: 25.9 });
    const note = (await sales.fromCanonical(salesEnvelope(draft.payload), { xref: null })) as { Note: { Body: string } };
    expect(note.Note.Body).toContain('due 2027-01-14');
  });

  it('should keep an embedded attachment out of the canonical message and reference it instead', async () => {
    const xml = readFixture('billing', 'inbound-ubl-attachment.native.xml').toString('utf8');
    const [draft] = await billing.toCanonical(xmlCodec.decode(Buffer.from(xml)));
    const text = JSON.stringify(draft);
    expect(text).not.toContain('JVBERi0');
    expect((draft.payload as Invoice).attachments?.[0]).toEqual({
      documentId: 'CDR-2026-12', description: 'Call detail record December 2026', fileName: 'cdr-2026-12.pdf', mimeType: 'application/pdf', sizeBytes: 77,
    });
  });

  it('should refuse an invoice whose total disagrees with its lines beyond rounding', async () => {
    const xml = readFixture('billing', 'inbound-ubl-return-lines.native.xml').toString('utf8').replace('<cbc:LineExtensionAmount currencyID="EUR">32.80', '<cbc:LineExtensionAmount currencyID="EUR">62.60');
    const [draft] = await billing.toCanonical(xmlCodec.decode(Buffer.from(xml)));
    expect(JSON.stringify(validatePayload('invoice.issued', draft.payload))).toContain('lineTotal 62.60 is not the sum of the lines (32.80)');
  });

  it('should refuse a line whose amount is not its quantity times its price', async () => {
    const xml = readFixture('billing', 'inbound-ubl-return-lines.native.xml').toString('utf8').replace('>-29.80<', '>29.80<');
    const [draft] = await billing.toCanonical(xmlCodec.decode(Buffer.from(xml)));
    expect(JSON.stringify(validatePayload('invoice.issued', draft.payload))).toContain('line 2: amount 29.80 is not quantity × unit price');
  });

  it('should accept sums that differ by rounding only', async () => {
    const xml = readFixture('billing', 'inbound-ubl-allowances.native.xml').toString('utf8').replace(/>8\.97</g, '>8.96<').replace(/>56\.18</g, '>56.17<');
    const [draft] = await billing.toCanonical(xmlCodec.decode(Buffer.from(xml)));
    expect(validatePayload('invoice.issued', draft.payload)).toEqual([]);
  });

  describe('generated invoices (seeded property test)', () => {
    const SEED = 20261231;
    const CASES = 150;

    it(`should keep every amount and total of ${CASES} generated invoices (seed ${SEED})`, async () => {
      const random = mulberry32(SEED);
      for (let n = 0; n < CASES; n++) {
        const expected = generateInvoice(random);
        const xml = ublXml(expected, random);
        const where = `seed ${SEED} case ${n}:\n${xml}`;
        const [draft] = await billing.toCanonical(xmlCodec.decode(Buffer.from(xml)));
        const invoice = draft.payload as Invoice;
        expect({ where, problems: validatePayload('invoice.issued', invoice) }).toEqual({ where, problems: [] });
        expect({ where, total: invoice.totalAmount, lines: invoice.lines.map((l) => [l.quantity, l.unitPrice, l.amount]) }).toEqual({
          where,
          total: expected.payable,
          lines: expected.lines.map((l) => [l.quantity, l.price, l.amount]),
        });
        expect(invoice.taxAmount ?? 0).toBeCloseTo(expected.tax, 2);
        const note = (await sales.fromCanonical(salesEnvelope(invoice), { xref: null })) as { Note: { Body: string } };
        expect(note.Note.Body).toContain(`Amount ${money(expected.payable)} ${expected.currency}`);
      }
    });
  });
});

/** A small, well-known 32-bit PRNG: the same seed gives the same invoices on every machine. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const cents = (n: number) => Math.round(n * 100 + Math.sign(n) * 1e-7) / 100;

interface GeneratedLine { quantity: number; price: number; allowance: number; amount: number; percent: number }
interface GeneratedInvoice {
  id: string; credit: boolean; currency: string; lines: GeneratedLine[]; docAllowance: number; docCharge: number;
  lineTotal: number; taxExclusive: number; tax: number; taxInclusive: number; prepaid: number; payable: number;
}

function generateInvoice(random: () => number): GeneratedInvoice {
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)];
  const credit = random() < 0.2;
  const lines = Array.from({ length: 1 + Math.floor(random() * 5) }, () => {
    const quantity = Math.floor(random() * 2000) * (credit || random() > 0.15 ? 1 : -1) || 1;
    const price = Math.round(random() * 100000) / 1000;
    const gross = cents(quantity * price);
    const allowance = gross > 0 && random() < 0.3 ? cents(gross * 0.1) : 0;
    return { quantity, price, allowance, amount: cents(gross - allowance), percent: pick([0, 7, 19]) };
  });
  const lineTotal = cents(lines.reduce((a, l) => a + l.amount, 0));
  const docAllowance = lineTotal > 0 && random() < 0.3 ? cents(lineTotal * 0.05) : 0;
  const docCharge = random() < 0.2 ? 5 : 0;
  const taxExclusive = cents(lineTotal - docAllowance + docCharge);
  // Tax per category on the lines; document allowances and charges are standard-rated at 19 %.
  const byPercent = new Map<number, number>();
  for (const l of lines) byPercent.set(l.percent, (byPercent.get(l.percent) ?? 0) + l.amount);
  byPercent.set(19, (byPercent.get(19) ?? 0) - docAllowance + docCharge);
  const tax = cents([...byPercent].reduce((a, [p, base]) => a + cents((base * p) / 100), 0));
  const taxInclusive = cents(taxExclusive + tax);
  const prepaid = random() < 0.2 ? cents(Math.floor(taxInclusive / 2)) : 0;
  return {
    id: `INV-G-${Math.floor(random() * 1e6)}`, credit, currency: pick(['EUR', 'USD', 'CHF']), lines, docAllowance, docCharge,
    lineTotal, taxExclusive, tax, taxInclusive, prepaid, payable: cents(taxInclusive - prepaid),
  };
}

/** The invoice as UBL, in one of the namespace forms real files use, with code-list attributes and either line ending. */
function ublXml(i: GeneratedInvoice, random: () => number): string {
  const root = i.credit ? 'CreditNote' : 'Invoice';
  const [cac, cbc, rootPrefix] = random() < 0.5 ? ['cac:', 'cbc:', ''] : random() < 0.5 ? ['a:', 'b:', 'ubl:'] : ['', '', ''];
  const unprefixed = cac === '';
  const ns = (prefix: string, urn: string) => (prefix ? ` xmlns:${prefix.slice(0, -1)}="${urn}"` : '');
  const CAC = 'urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2';
  const CBC = 'urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2';
  // Unprefixed documents redeclare the default namespace on each element, as some writers do.
  const b = (name: string, value: string | number, attrs = '') => `<${cbc}${name}${unprefixed ? ` xmlns="${CBC}"` : ''}${attrs}>${value}</${cbc}${name}>`;
  const a = (name: string, inner: string) => `<${cac}${name}${unprefixed ? ` xmlns="${CAC}"` : ''}>${inner}</${cac}${name}>`;
  const amt = (name: string, n: number) => b(name, n.toFixed(2), ` currencyID="${i.currency}"`);
  const category = (tag: string, percent: number) => a(tag, b('ID', percent ? 'S' : 'Z', ' schemeID="UNCL5305"') + b('Percent', percent) + a('TaxScheme', b('ID', 'VAT')));
  const allowanceCharge = (charge: boolean, amount: number, withTax: boolean) =>
    a('AllowanceCharge', b('ChargeIndicator', String(charge)) + b('AllowanceChargeReason', charge ? 'Fee' : 'Discount') + amt('Amount', amount) + (withTax ? category('TaxCategory', 19) : ''));
  const byPercent = new Map<number, number>();
  for (const l of i.lines) byPercent.set(l.percent, (byPercent.get(l.percent) ?? 0) + l.amount);
  byPercent.set(19, (byPercent.get(19) ?? 0) - i.docAllowance + i.docCharge);
  const parts = [
    b('UBLVersionID', '2.1'),
    b('ID', i.id),
    b('IssueDate', '2026-12-31'),
    i.credit ? '' : b('DueDate', '2027-01-31'),
    b(i.credit ? 'CreditNoteTypeCode' : 'InvoiceTypeCode', i.credit ? 381 : 380, ' listID="UNCL1001"'),
    b('DocumentCurrencyCode', i.currency, ' listID="ISO4217" listAgencyID="6"'),
    a('AccountingCustomerParty', a('Party', a('PartyIdentification', b('ID', 'B-10001', ' schemeID="ZZZ"')))),
    i.credit ? a('PaymentMeans', b('PaymentMeansCode', 30) + b('PaymentDueDate', '2027-01-31')) : '',
    i.docAllowance ? allowanceCharge(false, i.docAllowance, true) : '',
    i.docCharge ? allowanceCharge(true, i.docCharge, true) : '',
    a('TaxTotal', amt('TaxAmount', i.tax) + [...byPercent].map(([p, base]) => a('TaxSubtotal', amt('TaxableAmount', cents(base)) + amt('TaxAmount', cents((base * p) / 100)) + category('TaxCategory', p))).join('')),
    a('LegalMonetaryTotal',
      amt('LineExtensionAmount', i.lineTotal) + amt('TaxExclusiveAmount', i.taxExclusive) + amt('TaxInclusiveAmount', i.taxInclusive)
      + (i.docAllowance ? amt('AllowanceTotalAmount', i.docAllowance) : '') + (i.docCharge ? amt('ChargeTotalAmount', i.docCharge) : '')
      + (i.prepaid ? amt('PrepaidAmount', i.prepaid) : '') + amt('PayableAmount', i.payable)),
    ...i.lines.map((l, n) =>
      a(i.credit ? 'CreditNoteLine' : 'InvoiceLine',
        b('ID', n + 1) + b(i.credit ? 'CreditedQuantity' : 'InvoicedQuantity', l.quantity, ' unitCode="MIN" unitCodeListID="UNECERec20"') + amt('LineExtensionAmount', l.amount)
        + (l.allowance ? allowanceCharge(false, l.allowance, false) : '')
        + a('Item', b('Name', `Product ${n + 1}`) + a('SellersItemIdentification', b('ID', `P-${n + 1}`)) + category('ClassifiedTaxCategory', l.percent))
        + a('Price', b('PriceAmount', l.price, ` currencyID="${i.currency}"`)))),
  ];
  const rootNs = `urn:oasis:names:specification:ubl:schema:xsd:${root}-2`;
  const rootName = `${rootPrefix}${root}`;
  const open = `<${rootName} ${rootPrefix ? `xmlns:${rootPrefix.slice(0, -1)}` : 'xmlns'}="${rootNs}"${ns(cac, CAC)}${ns(cbc, CBC)}>`;
  const eol = random() < 0.5 ? '\r\n' : '\n';
  return ['<?xml version="1.0" encoding="UTF-8"?>', open, ...parts.filter(Boolean).map((p) => `  ${p}`), `</${rootName}>`].join(eol) + eol;
}
