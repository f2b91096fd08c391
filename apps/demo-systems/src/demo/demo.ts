/**
 * `npm run demo`: starts the stand-in systems and the bus, plays the reference scenarios step by
 * step through the systems' own APIs, prints what each system saw and a summary per scenario.
 * Needs RabbitMQ only. Ports are free ones unless `DEMO_<PART>_PORT` names them; the bus runs in a
 * broker namespace of its own. `--keep` leaves everything running afterwards (Ctrl-C ends it).
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { SmtpSink } from '@bus/adapters/smtp/testing/smtp-sink';
import { startBilling, startBooking, startBridge, startSales } from '../index';
import { startDemoBus } from './demo-bus';
import { Narrator, until } from './narrator';
import { demoPort, freePort } from './demo-ports';
import { readCounts, summaryTable, type BusCounts } from './demo-summary';
import { removeNamespace } from './demo-namespace';

const CONFIG = resolve(__dirname, '../../../../config/examples/demo.yaml');
const KEYS = { SALES_API_KEY: 'demo-sales-key', BILLING_API_KEY: 'demo-billing-key', BOOKING_API_KEY: 'demo-booking-key', ADMIN_TOKEN: 'demo-admin-token' };

async function main(): Promise<void> {
  const keep = process.argv.includes('--keep');
  const say = new Narrator();
  const dir = await mkdtemp(join(tmpdir(), 'bpi-bus-demo-'));
  // Two demos (or a demo and the tests) on one broker never meet.
  const namespace = process.env.BUS_NAMESPACE || `demo-${process.pid}`;
  const sales = await startSales({ port: demoPort('sales') });
  const billing = await startBilling({ port: demoPort('billing') });
  const cdrDir = join(dir, 'bridge-cdr');
  const bridge = await startBridge({ port: demoPort('bridge'), cdrDir });
  const smtp = await new SmtpSink().start(demoPort('smtp'));
  const bus = await startDemoBus({
    ...KEYS,
    PORT: String(demoPort('bus') || (await freePort())),
    BUS_NAMESPACE: namespace,
    DEMO_SMTP_PORT: String(smtp.port),
    BUS_CONFIG: CONFIG,
    BUS_DATA_DIR: dir,
    SALES_URL: sales.url,
    BILLING_URL: billing.url,
    BRIDGE_URL: bridge.url,
    BRIDGE_CDR_DIR: cdrDir,
    DEMO_SPOOL_DIR: join(dir, 'printer'),
    BUS_CONFIG_WATCH: 'false',
  });
  sales.useBus(bus.url, KEYS.SALES_API_KEY);
  billing.useBus(bus.url, KEYS.BILLING_API_KEY);
  const booking = await startBooking({ port: demoPort('booking'), busUrl: bus.url, apiKey: KEYS.BOOKING_API_KEY });
  const rows: { scenario: string; before: BusCounts; after: BusCounts }[] = [];
  let current: { scenario: string; before: BusCounts } | undefined;
  const scenario = async (title: string) => {
    const counts = await readCounts(bus.url);
    if (current) rows.push({ ...current, after: counts });
    current = title ? { scenario: title, before: counts } : undefined;
  };
  const call = async (base: string, method: string, path: string, body?: unknown, type = 'application/json') => {
    const res = await fetch(base + path, { method, headers: { 'Content-Type': type }, body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body) });
    const text = await res.text();
    return { status: res.status, text, json: () => JSON.parse(text) };
  };
  const admin = (path: string, method = 'GET') =>
    fetch(`${bus.url}/admin/${path}`, { method, headers: { Authorization: `Bearer ${KEYS.ADMIN_TOKEN}` } }).then((r) => r.json());

  try {
    say.title(`bpi-bus demo: sales ${sales.url} (JSON), billing ${billing.url} (XML), bus ${bus.url}`);

    await scenario('1 sales <-> billing');
    say.title('Scenario 1: sales <-> billing, both ways');
    say.says('A seller creates the customer in the sales CRM. Nobody types it into billing.');
    const acme = (await call(sales.url, 'POST', '/accounts', { Name: 'Acme Conferencing GmbH', BillingStreet: 'Hauptstr. 1', BillingPostalCode: '01067', BillingCity: 'Dresden', BillingCountry: 'DE', Email__c: 'billing@acme.example' })).json();
    say.saw('sales', `Account ${acme.Id} "${acme.Name}" created; the CRM posted AccountCreated to the bus`);
    const account = await until('the billing account', () => billing.store.listAccounts().find((a) => a.CustomerName === acme.Name));
    say.saw('billing', (await call(billing.url, 'GET', `/accounts/${account.AccountNo}`)).text);
    say.saw('bus', `linked sales ${acme.Id} <-> billing ${account.AccountNo}; each system keeps its own id`);

    say.says('The customer moves to Leipzig: changed once, in sales.');
    await call(sales.url, 'PATCH', `/accounts/${acme.Id}`, { BillingCity: 'Leipzig', BillingPostalCode: '04109' });
    await until('the move in billing', () => billing.store.getAccount(account.AccountNo).Address.Town === 'Leipzig');
    say.saw('billing', `account ${account.AccountNo} now in ${billing.store.getAccount(account.AccountNo).Address.Zip} Leipzig (same account, updated)`);

    say.says('Sales signs a contract with a per-minute dial-in rate.');
    await call(sales.url, 'POST', '/contracts', { AccountId: acme.Id, CurrencyIsoCode: 'EUR', StartDate: '2026-12-01', Rates__c: [{ ProductCode: 'CONF-DIALIN-MIN', UnitPrice: 0.05, Unit: 'Minute' }] });
    await until('the rate plan in billing', async () => (await call(billing.url, 'GET', `/accounts/${account.AccountNo}/rate-plan`)).status === 200);
    say.saw('billing', (await call(billing.url, 'GET', `/accounts/${account.AccountNo}/rate-plan`)).text);

    say.says('Billing opens a billing period and issues an invoice (UBL 2.1); sales sees both on the account.');
    await call(billing.url, 'POST', `/admin/open-period/${account.AccountNo}?from=2026-12-01&to=2026-12-31`);
    await until('the period in sales', async () => (await call(sales.url, 'GET', `/accounts/${acme.Id}`)).json().Billing_Status__c === 'Billing period open');
    const invoice = await call(billing.url, 'POST', `/admin/issue-invoice/${account.AccountNo}`);
    say.saw('billing', `issued ${invoice.text.match(/<cbc:ID>([^<]+)/)?.[1] ?? 'an invoice'} (UBL 2.1 XML, ${invoice.text.length} bytes)`);
    await until('the invoice in sales', async () => (await call(sales.url, 'GET', `/accounts/${acme.Id}`)).json().Billing_Status__c === 'Invoiced');
    const notes = (await call(sales.url, 'GET', `/accounts/${acme.Id}/notes`)).json() as { Title: string; Body: string }[];
    say.saw('sales', `status "Invoiced"; notes: ${notes.map((n) => n.Title).join(' | ')}\n${notes[notes.length - 1]?.Body ?? ''}`);

    say.says("A seller asks, from the CRM, for the customer's current billing period (request-reply through the bus).");
    const period = await call(sales.url, 'GET', `/accounts/${acme.Id}/billing-period`);
    say.saw('sales', `${period.status}: ${period.text}`);

    say.says('Billing asks sales for the latest contract rates.');
    await call(billing.url, 'POST', `/admin/refresh-rates/${account.AccountNo}`);
    say.saw('billing', `rate plan now: ${JSON.stringify(billing.store.getRatePlan(account.AccountNo).Rates)}`);

    say.says('An operator traces the first message through the bus journal.');
    const first = JSON.parse(sales.outbox().find((e) => e.recordId === acme.Id)!.response!).messageId as string;
    const history = await until('the journal entry', async () => {
      const h = await admin(`messages/${first}`);
      return h.message?.status === 'delivered' ? h : undefined;
    });
    say.saw('bus', history.hops.map((h: { kind: string; destination?: string; statusCode?: number }) => `${h.kind}${h.destination ? ` -> ${h.destination}` : ''}${h.statusCode ? ` (${h.statusCode})` : ''}`).join('\n'));

    await scenario('2 booking -> bridge -> billing');
    say.title('Scenario 2: booking -> bridge -> billing');
    say.says('The booking desk reserves a conference for Acme; nobody re-keys it on the bridge.');
    const reservation = (await call(booking.url, 'POST', '/reservations', {
      customerRef: acme.Id,
      subject: 'Quarterly review',
      date: '2026-12-03',
      time: '10:00',
      durationMin: 5,
      attendees: [{ name: 'Ada Lovelace' }, { name: 'Charles Babbage' }, { name: 'Grace Hopper' }],
      dialIn: { recording: false },
    })).json();
    say.saw('booking', `reservation ${reservation.reservationNo}: 3 attendees, 2026-12-03 10:00 (Berlin), 5 min`);
    const conf = await until('the conference on the bridge', async () =>
      ((await call(bridge.url, 'GET', '/conferences')).json().conferences as Array<{ bookingRef: string; conferenceId: string; start: string }>).find((c) => c.bookingRef === reservation.reservationNo),
    );
    say.saw('bridge', `provisioned ${conf.conferenceId} for booking ${conf.bookingRef}, starts ${conf.start}`);

    say.says('The call takes place; the bridge writes its call records (Asterisk Master.csv) into its drop folder.');
    const cdr = (await call(bridge.url, 'POST', `/admin/simulate-call/${conf.conferenceId}`, {})).json();
    say.saw('bridge', `${cdr.file}: ${cdr.records.length} call records`);
    const lines = await until('the priced lines at billing', () => {
      const usage = billing.store.usageOf(account.AccountNo);
      return usage.length >= cdr.records.length ? usage : undefined;
    });
    say.saw('billing', lines.map((l) => `usage ${l.Reference}: ${l.Quantity} x ${l.ProductCode} on ${l.Date}${l.Amount ? ` at ${l.UnitPrice} = ${l.Amount} ${l.Currency}` : ''}`).join('\n'));
    const [summary] = await until('the conference summary at billing', () => {
      const found = billing.store.summariesOf(account.AccountNo);
      return found.length ? found : undefined;
    });
    say.saw('billing', `summary ${summary.ConferenceId}: ${summary.Participants} participants, ${summary.BillableMinutes} min, ${summary.Amount} ${summary.Currency}`);

    await scenario('3 mail merge');
    say.title('Scenario 3: mail merge (letters to a printer, e-mail notices)');
    say.says("Two more customers are entered in sales; one's mail server will refuse the notice.");
    for (const c of [
      { Name: 'Berger Events KG', BillingStreet: 'Ringstr. 9', BillingPostalCode: '80331', BillingCity: 'München', BillingCountry: 'DE', Email__c: 'office@berger-events.example' },
      { Name: 'Clausen & Co', BillingStreet: 'Am Markt 3', BillingPostalCode: '20095', BillingCity: 'Hamburg', BillingCountry: 'DE', Email__c: 'refuse-all@clausen.example' },
    ]) {
      const created = await call(sales.url, 'POST', '/accounts', c);
      say.saw('sales', `${created.status === 201 ? 'created' : `refused (${created.status})`}: ${c.Name} <${c.Email__c}>`);
    }
    await sales.settled();

    say.says('One person starts the welcome-letter job.');
    const started = await admin('jobs/welcome-letters/run', 'POST');
    say.saw('bus', `job started (run ${started.runId})`);
    const done = await until('the job to finish', async () => {
      const p = await admin('jobs/welcome-letters');
      return p.state && p.state !== 'running' ? p : undefined;
    }, 60_000);
    say.saw('bus', `${done.state}: ${done.total} customers, ${done.printed} printed, ${done.emailed} e-mailed, ${done.failed} failed` +
      (done.failures?.length ? `\n${done.failures.map((f: { customerId: string; reason: string }) => `failed ${f.customerId}: ${f.reason}`).join('\n')}` : ''));
    const pdfs = await readdir(join(dir, 'printer'));
    say.saw('printer', pdfs.join('\n'));
    say.saw('mail', smtp.received.map((m) => `to ${m.envelopeTo.join(', ')}: "${m.parsed.subject}"`).join('\n'));

    await scenario('');
    say.title('Summary (from the bus\'s /metrics)');
    console.log(summaryTable(rows));
    say.title('Done. Every record above was typed once, in the system that owns it.');
  } catch (err) {
    // Whatever stopped the demo, the dead letters usually say why.
    const dead = await admin('dead-letters?state=all').catch(() => undefined);
    if (dead?.items?.length) say.saw('bus', `dead letters:\n${dead.items.map((d: { destination: string; errorCode: string; errorMessage: string }) => `${d.destination}: ${d.errorCode} ${d.errorMessage}`).join('\n')}`);
    throw err;
  } finally {
    if (keep) {
      say.title('Still running (--keep); Ctrl-C stops everything');
      say.saw('bus', `${bus.url}  (docs ${bus.url}/docs; admin: Authorization: Bearer ${KEYS.ADMIN_TOKEN}; namespace ${namespace})`);
      say.saw('sales', `${sales.url}  (posts with X-Api-Key ${KEYS.SALES_API_KEY})`);
      say.saw('billing', billing.url);
      say.saw('booking', booking.url);
      say.saw('bridge', `${bridge.url}  (call records in ${cdrDir})`);
      say.saw('printer', join(dir, 'printer'));
      say.saw('mail', `smtp://127.0.0.1:${smtp.port}`);
      await new Promise<void>((resolve) => ['SIGINT', 'SIGTERM'].forEach((signal) => process.once(signal, () => resolve())));
    }
    await bus.stop();
    await Promise.all([sales.close(), billing.close(), booking.close(), bridge.close(), smtp.stop()]);
    await rm(dir, { recursive: true, force: true });
    if (!process.env.BUS_NAMESPACE) {
      const left = await removeNamespace(namespace);
      if (left) console.log(`demo: ${left}`);
    }
  }
}

main().catch((err: unknown) => {
  console.error(`\ndemo failed: ${(err as Error).message}`);
  process.exit(1);
});
