import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { startBilling, startBooking, startBridge, startSales, type RunningBilling, type RunningBooking, type RunningBridge, type RunningSales } from '../../demo-systems/src';
import type { FileRecord } from '../src/store/bus-store';
import { SqliteStore } from '../src/store/sqlite/sqlite.store';
import { startTestBus, type TestBus } from './support/bus-harness';
import { waitFor } from './support/broker';

jest.setTimeout(180_000);

const EXAMPLE = path.resolve(__dirname, '../../../config/examples/booking-bridge.yaml');
const KEYS = { BOOKING_API_KEY: 'booking-e2e-key', SALES_API_KEY: 'sales-e2e-key', BILLING_API_KEY: 'billing-e2e-key' };
const CALLS = 1500;
const xml = new XMLParser({ ignoreAttributes: false, parseTagValue: false, isArray: (name) => ['UsageLine', 'ConferenceSummary'].includes(name) });

/** The shipped example, watched instead of polled, with a checkpoint every 50 records and a 2 s lease. */
async function exampleYaml(): Promise<string> {
  let yaml = (await readFile(EXAMPLE, 'utf8')).replace(/\.\.\/mappings\//g, 'mappings/').replace(/^ *schedule: .*\n/m, '');
  yaml = yaml.replace(/^ {6}readiness: rename\b/m, '      checkpointEvery: 50\n      leaseMs: 2000\n      readiness: rename');
  yaml = yaml.replace('quietTime: 10m', 'quietTime: 1h, checkEvery: 100ms').replace('redeliveryDelays: [1s, 10s, 1m]', 'redeliveryDelays: [100ms, 200ms]');
  if (!yaml.includes('checkpointEvery: 50')) throw new Error('config/examples/booking-bridge.yaml changed: update this test');
  return yaml;
}

/**
 * A call-record file whose reader stops mid-file: the bus is closed while it reads (its checkpoint in the
 * store is past line 300 of 1,500) and its claim is left held as a killed bus leaves it; a new bus starts on
 * the same store, folder and broker prefix, finds the claim busy, takes it over once the lease ran out and
 * resumes after the checkpoint. Billing must get every call exactly once, and the report count the whole file.
 */
describe('a call-record file whose bus stopped mid-file', () => {
  let bus: TestBus;
  let booking: RunningBooking;
  let bridge: RunningBridge;
  let sales: RunningSales;
  let billing: RunningBilling;
  let cdrDir: string;
  let archiveDir: string;
  let vars: Record<string, string>;

  beforeAll(async () => {
    cdrDir = await mkdtemp(path.join(tmpdir(), 'bus-e2e-resume-cdr-'));
    archiveDir = await mkdtemp(path.join(tmpdir(), 'bus-e2e-resume-archive-'));
    [bridge, sales, billing] = await Promise.all([startBridge({ cdrDir }), startSales(), startBilling()]);
    vars = { ...KEYS, BRIDGE_URL: bridge.url, SALES_URL: sales.url, BILLING_URL: billing.url, BRIDGE_CDR_DIR: cdrDir, USAGE_ARCHIVE_DIR: archiveDir };
    bus = await startTestBus({ yaml: await exampleYaml(), vars });
    booking = await startBooking({ busUrl: bus.url, apiKey: KEYS.BOOKING_API_KEY });
    sales.useBus(bus.url, KEYS.SALES_API_KEY);
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
  const billingGet = async (p: string) => xml.parse(await (await fetch(billing.url + p)).text());
  const usageAt = async (accountNo: string): Promise<Array<Record<string, string>>> => (await billingGet(`/accounts/${accountNo}/usage`)).Usage.UsageLine ?? [];
  const summariesAt = async (accountNo: string): Promise<Array<Record<string, string>>> =>
    (await billingGet(`/accounts/${accountNo}/conference-summaries`)).ConferenceSummaries.ConferenceSummary ?? [];
  const reportOf = (name: string) =>
    waitFor(
      `the report of ${name}`,
      async () => {
        const names = await readdir(path.join(cdrDir, 'processed')).catch(() => [] as string[]);
        return names.includes(`${name}.report.json`) ? JSON.parse(await readFile(path.join(cdrDir, 'processed', `${name}.report.json`), 'utf8')) : undefined;
      },
      120_000,
    );

  /** A customer with rates at sales and billing, and a conference booked for it at the bridge. */
  async function customerWithConference(name: string) {
    const account = await call(sales.url, 'POST', '/accounts', { Name: name, BillingStreet: 'Hauptstr. 1', BillingPostalCode: '01067', BillingCity: 'Dresden', BillingCountry: 'DE' });
    const accountNo = await waitFor("billing's account", () => bus.store.findNativeId('customer', account.Id, 'billing'));
    await call(sales.url, 'POST', '/contracts', { AccountId: account.Id, CurrencyIsoCode: 'EUR', StartDate: '2026-12-01', Rates__c: [{ ProductCode: 'CONF-DIALIN-MIN', UnitPrice: 0.05, Unit: 'Minute' }] });
    await waitFor('the rates in the bus', () => bus.store.getValue('contracts', account.Id));
    const reservation = await call(booking.url, 'POST', '/reservations', {
      customerRef: account.Id,
      subject: 'All hands',
      date: '2026-12-03',
      time: '10:00',
      durationMin: 5,
      attendees: [{ name: 'Ada Lovelace' }, { name: 'Charles Babbage' }],
      dialIn: { recording: false },
    });
    const conference = await waitFor("the bridge's conference", async () =>
      ((await call(bridge.url, 'GET', '/conferences')).conferences as Array<{ bookingRef: string; conferenceId: string }>).find((c) => c.bookingRef === reservation.reservationNo),
    );
    return { accountNo, conferenceId: conference.conferenceId };
  }

  /** The bridge exports a file with `count` calls into the drop folder. */
  const simulateCalls = async (conferenceId: string, count: number) =>
    (await call(bridge.url, 'POST', `/admin/simulate-call/${conferenceId}`, { calls: Array.from({ length: count }, () => ({})) })) as { file: string; records: Array<{ uniqueid: string }> };

  it('should let one of two bus instances on one store read a file while the other leaves it alone', async () => {
    const second = await startTestBus({ yaml: await exampleYaml(), vars, dir: bus.dir, prefix: bus.prefix });
    try {
      const { accountNo, conferenceId } = await customerWithConference('Two Instances GmbH');

      const { file, records } = await simulateCalls(conferenceId, 600);

      const report = await reportOf(file);
      expect(report).toMatchObject({ outcome: 'processed', rows: 600, passed: 600, duplicates: 0, failed: 0 });
      expect(report).not.toHaveProperty('resumedAfterLines');
      const stem = file.replace(/\.csv$/, '');
      expect((await readdir(path.join(cdrDir, 'processed'))).filter((n) => n.startsWith(stem))).toEqual([file, `${file}.report.json`]);
      const lines = await waitFor('600 lines at billing', async () => ((await usageAt(accountNo)).length >= 600 ? usageAt(accountNo) : undefined), 120_000, 200);
      expect(lines).toHaveLength(600);
      expect(new Set(lines.map((l) => l.Reference))).toEqual(new Set(records.map((r) => r.uniqueid)));
    } finally {
      await second.close({ keepBroker: true });
    }
  });

  it('should bill every row exactly once after a new bus resumed the file, and report the whole file', async () => {
    const { accountNo, conferenceId } = await customerWithConference('Resume GmbH');

    // The reader stops at its first checkpoint past line 300, whatever the machine's speed: that save is kept
    // (the store holds that line), then the bus waits here while the operator looks, and from then on the
    // store refuses this bus's checkpoints and claims, so it reads no further before it is closed.
    const store = bus.store;
    const save = store.saveFileCheckpoint.bind(store);
    const claim = store.claimFileLease.bind(store);
    let stopped = false;
    let atStop!: (line: number) => void;
    const reachedStop = new Promise<number>((resolve) => (atStop = resolve));
    let letGo!: () => void;
    const goOn = new Promise<void>((resolve) => (letGo = resolve));
    const refuse = () => Promise.reject(new Error('this bus is about to stop (test)'));
    store.saveFileCheckpoint = async (sha, owner, leaseMs, checkpoint) => {
      if (stopped) return refuse();
      const line = (checkpoint?.file as { line?: number } | undefined)?.line ?? 0;
      const held = await save(sha, owner, leaseMs, checkpoint);
      if (line < 300) return held;
      stopped = true;
      atStop(line);
      await goOn;
      return refuse();
    };
    store.claimFileLease = (...args) => (stopped ? refuse() : claim(...args));

    const { file, records } = await simulateCalls(conferenceId, CALLS);
    const sha256 = createHash('sha256').update(await readFile(path.join(cdrDir, file))).digest('hex');
    // What an operator sees while it is read: GET /admin/files/{sha256} (404 until it is claimed).
    const ledgerEntry = async (): Promise<FileRecord | undefined> => {
      const res = await fetch(`${bus.url}/admin/files/${sha256}`, { headers: { Authorization: `Bearer ${bus.adminToken}` } });
      return res.status === 200 ? ((await res.json()) as FileRecord) : undefined;
    };
    const stopLine = await reachedStop;
    expect(stopLine).toBeLessThan(CALLS);
    expect(await ledgerEntry()).toMatchObject({
      status: 'processing',
      owner: expect.any(String),
      leaseUntil: expect.any(String),
      checkpoint: { file: { line: stopLine, offset: expect.any(Number), passed: expect.any(Number) } },
    });
    letGo();
    const firstBus = bus;
    await firstBus.close({ keepBroker: true, keepDir: true });

    // The precondition of the test: the first bus really stopped mid-file.
    expect(await readdir(cdrDir)).toContain(file);
    // As a killed bus would leave it: the claim still held by its reader, for longer than the new bus's first looks.
    const leftBehind = new SqliteStore({ filename: path.join(firstBus.dir, 'bus.sqlite'), purgeIntervalMs: 0 });
    expect((await leftBehind.claimFileLease(sha256, 'bridge-cdr', file, 'killed-bus', 5000)).outcome).toBe('resume');
    await leftBehind.close();

    // Last in this suite: the stand-ins still post to the closed bus.
    bus = await startTestBus({ yaml: await exampleYaml(), vars, dir: firstBus.dir, prefix: firstBus.prefix });

    const report = await reportOf(file);
    expect(report.resumedAfterLines?.length).toBe(1);
    expect(report.resumedAfterLines[0]).toBe(stopLine);
    expect(report).toMatchObject({ outcome: 'processed', rows: CALLS, passed: CALLS, duplicates: 0, failed: 0 });

    const lines = await waitFor(`${CALLS} lines at billing`, async () => ((await usageAt(accountNo)).length >= CALLS ? usageAt(accountNo) : undefined), 120_000, 200);
    expect(lines).toHaveLength(CALLS);
    expect(new Set(lines.map((l) => l.Reference))).toEqual(new Set(records.map((r) => r.uniqueid)));
    // The file's usage counts survived the stop: the summary waited for all its calls.
    const summaries = await waitFor('the summary at billing', () => summariesAt(accountNo).then((s) => (s.length ? s : undefined)), 60_000);
    expect(summaries).toEqual([expect.objectContaining({ ConferenceId: conferenceId, Participants: String(CALLS) })]);
  });
});
