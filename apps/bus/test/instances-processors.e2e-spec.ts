import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { startBilling, startBooking, startBridge, startSales, type RunningBilling, type RunningBooking, type RunningBridge, type RunningSales } from '../../demo-systems/src';
import { startTestBus, type TestBus } from './support/bus-harness';
import { rabbitmqctl, waitFor } from './support/broker';

jest.setTimeout(90_000);

const EXAMPLE = path.resolve(__dirname, '../../../config/examples/booking-bridge.yaml');
const KEYS = { BOOKING_API_KEY: 'booking-e2e-key', SALES_API_KEY: 'sales-e2e-key', BILLING_API_KEY: 'billing-e2e-key', BUS_HEARTBEAT_MS: '200' };
const xml = new XMLParser({ ignoreAttributes: false, parseTagValue: false, isArray: (name) => ['UsageLine', 'ConferenceSummary'].includes(name) });

/** The shipped example, quick: the drop folder watched, a frequent summary check, no quiet time to wait for. */
async function exampleYaml(): Promise<string> {
  return (await readFile(EXAMPLE, 'utf8'))
    .replace(/\.\.\/mappings\//g, 'mappings/')
    .replace(/^ *schedule: .*\n/m, '')
    .replace('quietTime: 10m', 'quietTime: 1h, checkEvery: 100ms')
    .replace('immediateRetries: 2', 'immediateRetries: 0')
    .replace('redeliveryDelays: [1s, 10s, 1m]', 'redeliveryDelays: [100ms, 200ms]');
}

/**
 * Two bus instances on one store and one broker namespace consume the same processor queues
 * (pricing, conference-summary) and the same destination queues. Only the first reads the bridge's
 * drop folder, so each file is read once; the records of one conference are priced and tallied by both.
 */
describe('processors on two bus instances', () => {
  let a: TestBus;
  let b: TestBus;
  let booking: RunningBooking;
  let bridge: RunningBridge;
  let sales: RunningSales;
  let billing: RunningBilling;
  const dirs: string[] = [];

  beforeAll(async () => {
    const [cdrDir, idleDir, archiveDir] = await Promise.all(['cdr', 'idle', 'archive'].map((n) => mkdtemp(path.join(tmpdir(), `bus-e2e-${n}-`))));
    dirs.push(cdrDir, idleDir, archiveDir);
    [bridge, sales, billing] = await Promise.all([startBridge({ cdrDir }), startSales(), startBilling()]);
    const vars = { ...KEYS, BRIDGE_URL: bridge.url, SALES_URL: sales.url, BILLING_URL: billing.url, USAGE_ARCHIVE_DIR: archiveDir };
    const yaml = await exampleYaml();
    a = await startTestBus({ yaml, vars: { ...vars, BRIDGE_CDR_DIR: cdrDir } });
    b = await startTestBus({ yaml, vars: { ...vars, BRIDGE_CDR_DIR: idleDir }, dir: a.dir, prefix: a.prefix });
    booking = await startBooking({ busUrl: a.url, apiKey: KEYS.BOOKING_API_KEY });
    sales.useBus(b.url, KEYS.SALES_API_KEY);
    billing.useBus(a.url, KEYS.BILLING_API_KEY);
  });

  afterAll(async () => {
    await b?.close({ keepBroker: true });
    await a?.close();
    await Promise.all([booking?.close(), bridge?.close(), sales?.close(), billing?.close()]);
    await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  });

  const call = async (base: string, method: string, p: string, body?: unknown) => {
    const res = await fetch(base + p, { method, headers: { 'Content-Type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    if (res.status >= 400) throw new Error(`${method} ${p}: ${res.status} ${text}`);
    return text ? JSON.parse(text) : undefined;
  };
  const billingGet = async (p: string) => xml.parse(await (await fetch(billing.url + p)).text());
  const usageAt = async (accountNo: string): Promise<unknown[]> => (await billingGet(`/accounts/${accountNo}/usage`)).Usage.UsageLine ?? [];
  const summariesAt = async (accountNo: string): Promise<Array<Record<string, string>>> =>
    (await billingGet(`/accounts/${accountNo}/conference-summaries`)).ConferenceSummaries.ConferenceSummary ?? [];
  // list_queues reports no consumer count for quorum queues on 3.10; list_consumers has one line per consumer.
  const consumersOf = async (queue: string) =>
    (await rabbitmqctl('list_consumers', '-q', '--no-table-headers', 'queue_name')).split('\n').filter((l) => l.trim() === queue).length;

  it('should send exactly one summary per conference, with every record counted, when both instances tally', async () => {
    const account = await call(sales.url, 'POST', '/accounts', { Name: 'Two Instances GmbH', BillingStreet: 'Hauptstr. 1', BillingPostalCode: '01067', BillingCity: 'Dresden', BillingCountry: 'DE' });
    const accountNo = await waitFor('the account at billing', () => a.store.findNativeId('customer', account.Id, 'billing'));
    await call(sales.url, 'POST', '/contracts', { AccountId: account.Id, CurrencyIsoCode: 'EUR', StartDate: '2026-12-01', Rates__c: [{ ProductCode: 'CONF-DIALIN-MIN', UnitPrice: 0.05, Unit: 'Minute' }] });
    await waitFor('the rates in the store', () => b.store.getValue('contracts', account.Id));
    expect(await consumersOf(`${a.prefix}.bus.conference-summary`)).toBe(2);
    expect(await consumersOf(`${a.prefix}.bus.pricing`)).toBe(2);
    const attendees = ['Ada', 'Charles', 'Grace', 'Alan', 'Edsger', 'Barbara'].map((name) => ({ name }));

    const conferences = await Promise.all(
      [1, 2, 3].map(async () => {
        const reservation = await call(booking.url, 'POST', '/reservations', {
          customerRef: account.Id, subject: 'Scale-out review', date: '2026-12-03', time: '10:00', durationMin: 5, attendees, dialIn: { recording: false },
        });
        const provisioned = await waitFor(`the bridge's conference for ${reservation.reservationNo}`, async () =>
          ((await call(bridge.url, 'GET', '/conferences')).conferences as Array<{ bookingRef: string; conferenceId: string }>).find((c) => c.bookingRef === reservation.reservationNo),
        );
        await call(bridge.url, 'POST', `/admin/simulate-call/${provisioned.conferenceId}`, {});
        return provisioned.conferenceId;
      }),
    );

    await waitFor('every usage line at billing', async () => (await usageAt(accountNo)).length === 18, 60_000);
    const summaries = await waitFor('a summary per conference', async () => {
      const all = await summariesAt(accountNo);
      return all.length >= 3 ? all : undefined;
    }, 60_000);
    expect(summaries.map((s) => s.ConferenceId).sort()).toEqual([...conferences].sort());
    for (const summary of summaries) expect(summary).toMatchObject({ Participants: '6', BillableMinutes: '30', Amount: '1.5', Currency: 'EUR' });
  });
});
