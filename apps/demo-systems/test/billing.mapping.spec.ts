import 'reflect-metadata';
import { loadJsonataMapping, MappingError, type SystemMapping } from '@bus/adapters';
import * as path from 'node:path';
import { readAccount, readConferenceSummaries, readRatePlan, readUsage } from '../src/billing/billing.documents';
import { parseXml } from '../src/billing/billing.xml';
import { caseName, decodeNative, describeCanonicalFixtures, MAPPINGS, nativeSamples, optionalFixture, readFixture, xmlCodec } from './mapping-fixtures';

const SYSTEM = 'billing';
const queries = readFixture(SYSTEM, 'queries.json');

/** What billing itself makes of the XML the bus would send it: the other half of the round trip. */
function billingReads(value: unknown): unknown {
  const doc = parseXml(xmlCodec.encode(value).toString('utf8'));
  return 'BillingAccount' in doc ? readAccount(doc) : readRatePlan(doc);
}

describe('billing mapping (config/mappings/billing)', () => {
  let sut: SystemMapping;
  beforeAll(async () => {
    sut = await loadJsonataMapping(path.join(MAPPINGS, SYSTEM));
  });

  it('should declare what billing receives, asks and answers', () => {
    expect(sut.outboundTypes).toEqual(['conference.summarized', 'contract.rates-changed', 'customer.created', 'customer.updated', 'usage.priced']);
    expect(sut.asks).toEqual(['contract-rates']);
    expect(sut.answers).toEqual(['billing-period.get']);
  });

  it.each(nativeSamples(SYSTEM, 'inbound-'))('should map the billing document %s to drafts that carry billing\'s AccountNo', async (file) => {
    const native = decodeNative(file, readFixture(SYSTEM, file));
    await expect(sut.toCanonical(native)).resolves.toEqual(readFixture(SYSTEM, `${caseName(file)}.canonical.json`));
  });

  it('should read a UBL invoice whose elements come without namespace prefixes', async () => {
    const xml = readFixture(SYSTEM, 'inbound-invoice-issued.native.xml').toString('utf8').replace(/<(\/?)c(?:ac|bc):/g, '<$1');
    const drafts = await sut.toCanonical(xmlCodec.decode(Buffer.from(xml)));
    expect(drafts).toEqual(readFixture(SYSTEM, 'inbound-invoice-issued.canonical.json'));
  });

  it('should give a one-line invoice its lines as a list', async () => {
    const xml = readFixture(SYSTEM, 'inbound-invoice-issued.native.xml').toString('utf8');
    const oneLine = xml.slice(0, xml.lastIndexOf('<cac:InvoiceLine>')) + '</Invoice>\n';
    const [draft] = await sut.toCanonical(xmlCodec.decode(Buffer.from(oneLine)));
    expect((draft.payload as { lines: unknown[] }).lines).toEqual([
      { lineNo: 1, productCode: 'CONF-DIALIN-MIN', description: 'CONF-DIALIN-MIN', quantity: 120, unit: 'MIN', unitPrice: 0.05, amount: 6 },
    ]);
  });

  it.each(nativeSamples(SYSTEM, 'outbound-'))('should map canonical %s to the document billing expects', async (file) => {
    const name = caseName(file);
    const bindings = optionalFixture(SYSTEM, `${name}.bindings.json`) ?? { xref: null };
    const native = await sut.fromCanonical(readFixture(SYSTEM, `${name}.canonical.json`), bindings);
    expect(native).toEqual(readFixture(SYSTEM, file));
  });

  it('should send billing a customer it accepts, with its own AccountNo only when the bus knows it', async () => {
    const created = await sut.fromCanonical(readFixture(SYSTEM, 'outbound-customer-created-new.canonical.json'), { xref: null });
    expect(billingReads(created)).toEqual({
      accountNo: undefined,
      fields: { CustomerName: 'Acme Conferencing GmbH', Address: { Street: 'Hauptstr. 1', Zip: '01067', Town: 'Dresden', CountryCode: 'DE' }, EMail: 'billing@acme.example' },
    });
    const updated = await sut.fromCanonical(readFixture(SYSTEM, 'outbound-customer-updated-known.canonical.json'), { xref: 'B-10001' });
    expect(billingReads(updated)).toMatchObject({ accountNo: 'B-10001' });
  });

  it('should send billing a rate plan it accepts', async () => {
    const native = await sut.fromCanonical(readFixture(SYSTEM, 'outbound-contract-rates-changed.canonical.json'), { xref: 'B-10001' });
    expect(billingReads(native)).toEqual({
      accountNo: 'B-10001',
      plan: {
        Currency: 'EUR',
        ValidFrom: '2026-12-01',
        Rates: [
          { ProductCode: 'CONF-DIALIN-MIN', Price: '0.05', Unit: 'MIN' },
          { ProductCode: 'CONF-BASE', Price: '19.9', Unit: 'MON' },
        ],
      },
    });
  });

  it.each<any>(queries.ask)('should ask $name with its AccountNo and take the answer as a RatePlan', async (q) => {
    await expect(sut.askToCanonical!(q.name, q.native)).resolves.toEqual(q.canonical);
    await expect(sut.answerToNative!(q.name, q.answer)).resolves.toEqual(q.reply);
  });

  it.each<any>(queries.answer)('should answer $type from its own API', async (q) => {
    await expect(sut.queryToNative!(q.type, q.query, q.bindings)).resolves.toEqual(q.request);
    const native = decodeNative(q.nativeFile, readFixture(SYSTEM, q.nativeFile));
    await expect(sut.answerFromNative!(q.type, native)).resolves.toEqual(q.response);
  });

  it('should send billing a priced usage line and a conference summary it accepts', async () => {
    const usage = await sut.fromCanonical(readFixture(SYSTEM, 'outbound-usage-priced.canonical.json'), { xref: 'B-10001' });
    const summary = await sut.fromCanonical(readFixture(SYSTEM, 'outbound-conference-summarized.canonical.json'), { xref: 'B-10001' });
    const reads = (value: unknown) => parseXml(xmlCodec.encode(value).toString('utf8'));

    expect(readUsage(reads(usage))).toEqual([
      { ProductCode: 'CONF-DIALIN-MIN', Quantity: '45', Unit: 'MIN', UnitPrice: '0.05', Amount: '2.25', Currency: 'EUR', Date: '2026-12-03', Reference: '1764766802.17' },
    ]);
    expect(readConferenceSummaries(reads(summary))).toEqual([
      { ConferenceId: 'CONF-1001', BookingRef: 'BK-2026-0042', Participants: '3', BillableMinutes: '136', Amount: '6.8', Currency: 'EUR' },
    ]);
  });

  it('should leave AccountNo out of usage when billing has no account, so the path cannot be filled', async () => {
    const usage = (await sut.fromCanonical(readFixture(SYSTEM, 'outbound-usage-priced.canonical.json'), { xref: null })) as { Usage: object };
    expect(usage.Usage).not.toHaveProperty('AccountNo');
  });

  it('should refuse to ask billing for a customer it has no account for, naming the customer', async () => {
    const error = await sut.queryToNative!('billing-period.get', { customerId: '001Dm0000000009AAA' }, { xref: null }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MappingError);
    expect((error as Error).message).toContain('billing has no account for customer 001Dm0000000009AAA');
  });

  it('should refuse a document that is neither a billing period nor an invoice or credit note, naming its root', async () => {
    await expect(sut.toCanonical(xmlCodec.decode(Buffer.from('<Order><ID>1</ID></Order>')))).rejects.toThrow('root <Order>');
  });
  describeCanonicalFixtures(SYSTEM);
});
