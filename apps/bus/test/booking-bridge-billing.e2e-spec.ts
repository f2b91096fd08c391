import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { startBilling, startBooking, startBridge, startSales, type RunningBilling, type RunningBooking, type RunningBridge, type RunningSales } from '../../demo-systems/src';
import { startTestBus, type TestBus } from './support/bus-harness';
import { waitFor } from './support/broker';

jest.setTimeout(60_000);

const EXAMPLE = path.resolve(__dirname, '../../../config/examples/booking-bridge.yaml');
const KEYS = { BOOKING_API_KEY: 'booking-e2e-key', SALES_API_KEY: 'sales-e2e-key', BILLING_API_KEY: 'billing-e2e-key' };
const xml = new XMLParser({ ignoreAttributes: false, parseTagValue: false, isArray: (name) => ['UsageLine', 'ConferenceSummary'].includes(name) });

/**
 * The shipped example with what a test needs to be quick: the drop folder watched instead of polled,
 * a frequent summary check, short redelivery delays. Mapping folders are copied beside it by the harness.
 */
async function exampleYaml(): Promise<string> {
  const replace = (text: string, from: string | RegExp, to: string) => {
    const next = text.replace(from, to);
    if (next === text) throw new Error(`config/examples/booking-bridge.yaml changed: "${String(from)}" not found; update this test`);
    return next;
  };
  let yaml = await readFile(EXAMPLE, 'utf8');
  yaml = replace(yaml, /\.\.\/mappings\//g, 'mappings/');
  yaml = replace(yaml, /^ *schedule: .*\n/m, '');
  // A quiet time no test waits for: each summary here goes out because all its file's records are in.
  yaml = replace(yaml, 'quietTime: 10m', 'quietTime: 1h, checkEvery: 100ms');
  yaml = replace(yaml, 'immediateRetries: 2', 'immediateRetries: 0');
  yaml = replace(yaml, 'redeliveryDelays: [1s, 10s, 1m]', 'redeliveryDelays: [100ms, 200ms]');
  return yaml;
}

/**
 * The second reference scenario end to end: booking, bridge, sales and billing stand-ins as real HTTP
 * servers, real folders, the bus with config/examples/booking-bridge.yaml on the real RabbitMQ.
 * Every check reads a system's own API (or the bus's admin API).
 */
describe('booking -> bridge -> billing through the bus', () => {
  let bus: TestBus;
  let booking: RunningBooking;
  let bridge: RunningBridge;
  let sales: RunningSales;
  let billing: RunningBilling;
  let cdrDir: string;
  let archiveDir: string;

  beforeAll(async () => {
    cdrDir = await mkdtemp(path.join(tmpdir(), 'bus-e2e-cdr-'));
    archiveDir = await mkdtemp(path.join(tmpdir(), 'bus-e2e-archive-'));
    [bridge, sales, billing] = await Promise.all([startBridge({ cdrDir }), startSales(), startBilling()]);
    bus = await startTestBus({
      yaml: await exampleYaml(),
      vars: { ...KEYS, BRIDGE_URL: bridge.url, SALES_URL: sales.url, BILLING_URL: billing.url, BRIDGE_CDR_DIR: cdrDir, USAGE_ARCHIVE_DIR: archiveDir },
    });
    booking = await startBooking({ busUrl: bus.url, apiKey: KEYS.BOOKING_API_KEY });
    sales.useBus(bus.url, KEYS.SALES_API_KEY);
    billing.useBus(bus.url, KEYS.BILLING_API_KEY);
  });

  afterAll(async () => {
    await bus?.close();
    await Promise.all([booking?.close(), bridge?.close(), sales?.close(), billing?.close()]);
    await Promise.all([cdrDir, archiveDir].filter(Boolean).map((d) => rm(d, { recursive: true, force: true })));
  });

  const call = async (base: string, method: string, p: string, body?: unknown) => {
    const res = await fetch(base + p, { method, headers: { 'Content-Type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    if (res.status >= 400) throw new Error(`${method} ${p}: ${res.status} ${text}`);
    return text ? JSON.parse(text) : undefined;
  };
  const admin = async (method: string, p: string) => {
    const res = await fetch(`${bus.url}/admin${p}`, { method, headers: { Authorization: `Bearer ${bus.adminToken}` } });
    return { status: res.status, json: await res.json() };
  };
  const billingGet = async (p: string) => xml.parse(await (await fetch(billing.url + p)).text());
  const usageAt = async (accountNo: string): Promise<Array<Record<string, string>>> => (await billingGet(`/accounts/${accountNo}/usage`)).Usage.UsageLine ?? [];
  const summariesAt = async (accountNo: string): Promise<Array<Record<string, string>>> =>
    (await billingGet(`/accounts/${accountNo}/conference-summaries`)).ConferenceSummaries.ConferenceSummary ?? [];

  /** A customer created in sales, synced to billing (the bus knows its AccountNo), optionally with contract rates. */
  async function customer(name: string, options: { rates?: boolean } = {}) {
    const account = await call(sales.url, 'POST', '/accounts', { Name: name, BillingStreet: 'Hauptstr. 1', BillingPostalCode: '01067', BillingCity: 'Dresden', BillingCountry: 'DE' });
    const accountNo = await waitFor(`billing's account for ${name}`, () => bus.store.findNativeId('customer', account.Id, 'billing'));
    if (options.rates !== false) await contractRates(account.Id);
    return { customerId: account.Id as string, accountNo };
  }

  /** Sales sends the contract rates; resolves once the bus keeps them and billing has its rate plan. */
  async function contractRates(customerId: string) {
    await call(sales.url, 'POST', '/contracts', { AccountId: customerId, CurrencyIsoCode: 'EUR', StartDate: '2026-12-01', Rates__c: [{ ProductCode: 'CONF-DIALIN-MIN', UnitPrice: 0.05, Unit: 'Minute' }] });
    await waitFor('the rates in the bus', () => bus.store.getValue('contracts', customerId));
  }

  /** Books a 5-minute conference at the booking desk; resolves with the bridge's conference once provisioned. */
  async function conference(customerId: string, attendees = ['Ada Lovelace', 'Charles Babbage']) {
    const reservation = await call(booking.url, 'POST', '/reservations', {
      customerRef: customerId,
      subject: 'Quarterly review',
      date: '2026-12-03',
      time: '10:00',
      durationMin: 5,
      attendees: attendees.map((name) => ({ name })),
      dialIn: { recording: false },
    });
    const provisioned = await waitFor(`the bridge's conference for ${reservation.reservationNo}`, async () =>
      ((await call(bridge.url, 'GET', '/conferences')).conferences as Array<{ bookingRef: string; conferenceId: string }>).find((c) => c.bookingRef === reservation.reservationNo),
    );
    return { bookingId: reservation.reservationNo as string, conferenceId: provisioned.conferenceId };
  }

  /** The bridge writes the call's Master.csv (.part, then renamed) into the drop folder. */
  const simulateCall = (conferenceId: string, body: object = {}) =>
    call(bridge.url, 'POST', `/admin/simulate-call/${conferenceId}`, body) as Promise<{ file: string; records: Array<{ uniqueid: string }> }>;

  /** The file's report once the file adapter moved it to processed/ or failed/. */
  const reportOf = (storedAs: string) =>
    waitFor(`the report of ${storedAs}`, async () => {
      for (const folder of ['processed', 'failed']) {
        const names = await readdir(path.join(cdrDir, folder)).catch(() => [] as string[]);
        if (names.includes(`${storedAs}.report.json`)) return JSON.parse(await readFile(path.join(cdrDir, folder, `${storedAs}.report.json`), 'utf8'));
      }
      return undefined;
    });

  const deadLetters = async (query: string) => (await admin('GET', `/dead-letters?${query}`)).json.items as Array<Record<string, any>>;

  it('should provision a booked conference on the bridge and link its id to the booking', async () => {
    const { customerId } = await customer('Provision GmbH', { rates: false });

    const { bookingId, conferenceId } = await conference(customerId);

    const atBridge = await call(bridge.url, 'GET', `/conferences/${conferenceId}`);
    expect(atBridge).toMatchObject({ bookingRef: bookingId, accountCode: customerId, durationMin: 5, start: '2026-12-03T09:00:00Z', status: 'scheduled' });
    await expect(waitFor('the xref link', () => bus.store.findNativeId('conference', bookingId, 'bridge'))).resolves.toBe(conferenceId);
  });

  it("should bring a call's records to billing as priced lines and one summary, and bill a re-dropped file once", async () => {
    const { customerId, accountNo } = await customer('Calls GmbH');
    const { bookingId, conferenceId } = await conference(customerId);

    const { file, records } = await simulateCall(conferenceId);

    const lines = await waitFor('both lines at billing', async () => ((await usageAt(accountNo)).length === 2 ? usageAt(accountNo) : undefined));
    // Each line carries the price from the customer's contract; the summary is the sum of the lines.
    expect(lines).toEqual(
      expect.arrayContaining(records.map((r) => ({ ProductCode: 'CONF-DIALIN-MIN', Quantity: '5', Unit: 'MIN', UnitPrice: '0.05', Amount: '0.25', Currency: 'EUR', Date: '2026-12-03', Reference: r.uniqueid }))),
    );
    const [summary] = await waitFor('the summary at billing', () => summariesAt(accountNo).then((s) => (s.length ? s : undefined)));
    expect(summary).toEqual({ ConferenceId: conferenceId, BookingRef: bookingId, Participants: '2', BillableMinutes: '10', Amount: '0.5', Currency: 'EUR' });
    expect((await reportOf(file)).outcome).toBe('processed');

    // The same content again, under another name: the file ledger knows its hash.
    const again = `Again-${file}`;
    await writeFile(path.join(cdrDir, `${again}.part`), await readFile(path.join(cdrDir, 'processed', file)));
    await rename(path.join(cdrDir, `${again}.part`), path.join(cdrDir, again));
    expect((await reportOf(again)).outcome).toBe('duplicate');
    expect(await usageAt(accountNo)).toHaveLength(2);
    expect(await summariesAt(accountNo)).toHaveLength(1);

    // The pricing step is a destination too: /metrics shows its queue, drained.
    const queue = `${bus.prefix}.bus.pricing`.replace(/\./g, '\\.');
    const drained = [`bus_queue_depth\\{queue="${queue}"\\} 0`, `bus_queue_waiting_messages\\{queue="${queue}",destination="pricing"\\} 0`, `bus_queue_unacked\\{queue="${queue}",destination="pricing"\\} 0`];
    await waitFor('the pricing queue drained in /metrics', async () => {
      const text = await fetch(`${bus.url}/metrics`).then((r) => r.text());
      return drained.every((line) => new RegExp(`${line}\n`).test(text)) || undefined;
    });
  });

  it('should not read a half-written file, and read it once it is renamed complete', async () => {
    const { customerId, accountNo } = await customer('Slow Export GmbH');
    const { conferenceId } = await conference(customerId);
    const { file } = await simulateCall(conferenceId);
    await reportOf(file);
    const csv = await readFile(path.join(cdrDir, 'processed', file), 'utf8');
    await waitFor('the first call at billing', async () => (await usageAt(accountNo)).length === 2);
    // The bridge's export is still writing the next call's file: same conference, new call ids.
    const late = csv.replace(/"(\d+)\.(\d+)","([^"]*)"\n/g, '"$1.9$2","$3"\n');
    const part = path.join(cdrDir, 'Late.csv.part');
    await writeFile(part, late);

    // A complete file dropped after the .part was written: the scan that read it saw the .part and left it.
    const probe = await simulateCall((await conference(customerId)).conferenceId);
    await reportOf(probe.file);
    expect(await readdir(cdrDir)).toContain('Late.csv.part');
    expect(await bus.store.getFile(createHash('sha256').update(late).digest('hex'))).toBeNull();
    await waitFor('the probe conference at billing', async () => (await usageAt(accountNo)).length === 4);

    await rename(part, path.join(cdrDir, 'Late.csv'));

    expect((await reportOf('Late.csv')).outcome).toBe('processed');
    expect(await bus.store.getFile(createHash('sha256').update(late).digest('hex'))).toMatchObject({ fileName: 'Late.csv' });
    await waitFor('the late lines at billing', async () => (await usageAt(accountNo)).length === 6);
  });

  it('should bill the good rows of a file and keep its bad row as a dead letter with file, line and column', async () => {
    const { customerId, accountNo } = await customer('Bad Row GmbH');
    const { bookingId, conferenceId } = await conference(customerId);
    const bad = `"${customerId}","+4930999","8000","conferences","<+4930999>","SIP/x","","ConfBridge","${conferenceId}","2026-12-03 10:00:00","2026-12-03 10:00:03","2026-12-03 10:05:03","-5","300","ANSWERED","DOCUMENTATION","1764752400.777","${bookingId}"`;

    const { file } = await simulateCall(conferenceId, { extraLines: [bad] });

    const report = await reportOf(file);
    expect(report).toMatchObject({ outcome: 'processed', rows: 3, passed: 2, failed: 1 });
    await waitFor('the good lines at billing', async () => (await usageAt(accountNo)).length === 2);
    const parked = (await deadLetters('type=inbound.rejected')).find((d) => String(d.errorMessage).includes(file));
    expect(parked).toMatchObject({ destination: 'bridge-cdr', errorCode: 'ADAPTER.MAPPING_FAILED' });
    expect(parked!.errorMessage).toEqual(expect.stringContaining(`file ${file} line 3 column 13 (duration): -5 is negative`));
    // The file's good rows are all the conference's records: its summary does not wait for the bad one.
    const summaries = await waitFor('the summary at billing', () => summariesAt(accountNo).then((s) => (s.length ? s : undefined)));
    expect(summaries).toEqual([expect.objectContaining({ ConferenceId: conferenceId, Participants: '2', BillableMinutes: '10' })]);
  });

  it('should park usage of a customer without rates with the reason, and price it by itself, once, when the rates arrive', async () => {
    const { customerId, accountNo } = await customer('No Rates Yet GmbH', { rates: false });
    const { conferenceId } = await conference(customerId);

    const { records } = await simulateCall(conferenceId);

    const parked = await waitFor('both records parked at pricing', async () => {
      const mine = (await deadLetters('system=pricing')).filter((d) => d.envelope.payload.customerId === customerId);
      return mine.length === 2 ? mine : undefined;
    });
    expect(parked[0]).toMatchObject({ destination: 'pricing', type: 'usage.recorded', errorCode: 'PRICING.UNKNOWN_CUSTOMER' });
    expect(parked[0].errorMessage).toEqual(expect.stringContaining(`no contract rates for customer ${customerId}`));
    expect(await usageAt(accountNo)).toEqual([]);

    await contractRates(customerId);

    const lines = await waitFor('the re-priced lines at billing', async () => ((await usageAt(accountNo)).length === 2 ? usageAt(accountNo) : undefined));
    expect(lines.map((l) => l.Reference).sort()).toEqual(records.map((r) => r.uniqueid).sort());
    await waitFor('the dead letters resolved', async () => (await deadLetters('system=pricing')).every((d) => d.envelope.payload.customerId !== customerId));
    const resolved = (await deadLetters('system=pricing&state=replayed')).filter((d) => parked.some((p) => p.id === d.id));
    expect(resolved.map((d) => d.reason)).toEqual(['priced automatically when the contract rates arrived', 'priced automatically when the contract rates arrived']);
    const summaries = await waitFor('the summary at billing', () => summariesAt(accountNo).then((s) => (s.length ? s : undefined)));
    expect(summaries).toEqual([expect.objectContaining({ ConferenceId: conferenceId, Participants: '2', Amount: '0.5' })]);

    // The rates again, then a later call priced after them: the parked calls are not billed a second time.
    await call(sales.url, 'POST', '/contracts', { AccountId: customerId, CurrencyIsoCode: 'EUR', StartDate: '2026-12-01', Rates__c: [{ ProductCode: 'CONF-DIALIN-MIN', UnitPrice: 0.05, Unit: 'Minute' }] });
    await simulateCall((await conference(customerId)).conferenceId);
    const after = await waitFor('the later call at billing', async () => ((await usageAt(accountNo)).length >= 4 ? usageAt(accountNo) : undefined));
    expect(after).toHaveLength(4);
    expect(new Set(after.map((l) => l.Reference)).size).toBe(4);
  });

  it('should bill only the new call of a re-exported file and count the old ones as duplicates', async () => {
    const { customerId, accountNo } = await customer('Re-export GmbH');
    const { conferenceId } = await conference(customerId, ['A', 'B', 'C', 'D', 'E', 'F', 'G']);
    const { file, records } = await simulateCall(conferenceId);
    expect(records).toHaveLength(7);
    await reportOf(file);
    await waitFor('the seven lines at billing', async () => (await usageAt(accountNo)).length === 7);

    // The bridge's export runs again: the same seven calls and one that came in since.
    const old = (await readFile(path.join(cdrDir, 'processed', file), 'utf8')).trimEnd().split('\n');
    const fresh = old[old.length - 1].replace(/"(\d+)\.(\d+)","([^"]*)"$/, '"$1.9$2","$3"');
    const again = `Reexport-${file}`;
    await writeFile(path.join(cdrDir, `${again}.part`), [...old, fresh].join('\n') + '\n');
    await rename(path.join(cdrDir, `${again}.part`), path.join(cdrDir, again));

    expect(await reportOf(again)).toMatchObject({ outcome: 'processed', rows: 8, passed: 1, duplicates: 7, failed: 0 });
    const lines = await waitFor('the new line at billing', async () => ((await usageAt(accountNo)).length >= 8 ? usageAt(accountNo) : undefined));
    expect(lines).toHaveLength(8);
    expect(lines.map((l) => l.Reference)).toContain(/"(\d+\.\d+)","[^"]*"$/.exec(fresh)![1]);
  });

  // Last: it changes the running config.
  it('should apply a reload that replaces the pricing processor: later calls go to the new one and its dead letters', async () => {
    const renamed = (await exampleYaml())
      .replace('  pricing: { kind: usage-pricing', '  rating: { kind: usage-pricing')
      .replace('to: [pricing]', 'to: [rating]')
      .replace('from: pricing', 'from: rating');
    await bus.writeConfig(renamed);

    const reload = await admin('POST', '/config/reload');

    expect(reload).toMatchObject({ status: 200, json: { sections: ['processors'], routes: { changed: ['usage-to-pricing', 'priced-to-billing'] } } });
    const { customerId } = await customer('After Reload GmbH', { rates: false });
    await simulateCall((await conference(customerId)).conferenceId);
    await waitFor('the records parked at the new processor', async () => (await deadLetters('system=rating')).filter((d) => d.envelope.payload.customerId === customerId).length === 2);
  });
});
