import * as amqp from 'amqplib';
import { startHttpTestServer, type HttpTestServer, type RecordedRequest } from '@bus/adapters/testing';
import { ConfigService } from '../src/config/config.service';
import { Publisher, queueNames } from '../src/messaging';
import type { DeadLetter, JournalMessage } from '../src/store/bus-store';
import { startTestBus, type TestBus } from './support/bus-harness';
import { coreYaml, CRM_KEY, crmCustomer, postJson } from './support/core-config';
import { TEST_AMQP_URL, waitFor } from './support/broker';

const DELAYS = ['100ms', '200ms', '30s'];
const DELAYS_MS = [100, 200, 30_000];
const DELIVERY = `  immediateRetries: 0\n  prefetch: 1\n  redeliveryDelays: [${DELAYS.join(', ')}]`;
const route = (to: string[]) => `  - name: customers\n    from: crm\n    types: ["customer.*"]\n    to: [${to.join(', ')}]`;

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Requests a stand-in answered 2xx, per Idempotency-Key. */
function successes(server: HttpTestServer, answered: Map<RecordedRequest, number>): Map<string, number> {
  const counts = new Map<string, number>();
  for (const req of server.requests) {
    const status = answered.get(req) ?? 200;
    if (status < 200 || status >= 300) continue;
    const key = String(req.headers['idempotency-key']);
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

/**
 * A reload that removes a destination, adds another and retargets a route while a sender posts
 * without pause: every accepted message reaches each destination it was routed to exactly once,
 * or (for the removed one) is in its dead letters with the config version that removed it.
 */
describe('config reload under load', () => {
  let erp: HttpTestServer;
  let billing: HttpTestServer;
  let archive: HttpTestServer;
  let bus: TestBus | undefined;
  const billingStatus = new Map<RecordedRequest, number>();
  /** Billing answers each request after 300 ms (well below the adapter's 2 s timeout): a backlog builds in its queue. */
  let jammed = false;

  beforeEach(async () => {
    billingStatus.clear();
    jammed = false;
    [erp, archive] = await Promise.all([startHttpTestServer(), startHttpTestServer()]);
    // Billing refuses the first few messages every time, so they sit in its retry queues.
    const refused = new Set<string>();
    billing = await startHttpTestServer(async (req, res) => {
      const key = String(req.headers['idempotency-key']);
      if (refused.size < 8 && billing.requests.filter((r) => r.headers['idempotency-key'] === key).length === 1) refused.add(key);
      const status = refused.has(key) ? 503 : 200;
      if (jammed && status === 200) await pause(300);
      // An answer after the adapter gave up (a very busy machine) is no delivery.
      billingStatus.set(req, res.socket?.destroyed ? 0 : status);
      res.writeHead(status).end();
    });
  });

  afterEach(async () => {
    await bus?.close();
    bus = undefined;
    await Promise.all([erp.close(), billing.close(), archive.close()]);
  });

  const queueDepth = async (queue: string): Promise<number> => {
    const conn = await amqp.connect(TEST_AMQP_URL);
    try {
      const ch = await conn.createChannel();
      return (await ch.checkQueue(queue)).messageCount;
    } finally {
      await conn.close();
    }
  };

  const deadLettersOf = async (system: string): Promise<DeadLetter[]> => {
    const all: DeadLetter[] = [];
    for (let cursor: string | undefined; ; ) {
      const page = await bus!.store.listDeadLetters({ system, state: 'all', limit: 500, cursor });
      all.push(...page.items);
      if (!page.nextCursor) return all;
      cursor = page.nextCursor;
    }
  };

  it('should deliver each accepted message once per destination it was routed to across a reload that removes, adds and changes destinations, or park it in the removed one\'s dead letters', async () => {
    const before = coreYaml({ erp: erp.url, billing: billing.url }, { routes: route(['erp', 'billing']), delivery: DELIVERY });
    // Erp changes too (its timeout): its consumer is swapped under load.
    const after = coreYaml({ erp: erp.url, archive: archive.url }, { routes: route(['erp', 'archive']), delivery: DELIVERY }).replace(
      `url: "${erp.url}", timeoutMs: 2000`,
      `url: "${erp.url}", timeoutMs: 2500`,
    );
    bus = await startTestBus({ yaml: before, vars: { CRM_API_KEY: CRM_KEY } });
    const names = queueNames('billing', bus.prefix);

    // The sender: posts without pause, sends a 503 again with the same Idempotency-Key, and stops
    // once 150 messages were accepted after the reload finished.
    const accepted = new Set<string>();
    const refusals: string[] = [];
    let acceptedAfterReload = 0;
    let reloaded = false;
    let sent = 0;
    const postOne = async (n: number) => {
      const key = `load-${n}`;
      for (let attempt = 0; attempt < 100; attempt++) {
        const res = await postJson(`${bus!.url}/adapters/crm/messages`, crmCustomer({ customer: { name: `Load ${n} GmbH` } }), { 'x-api-key': CRM_KEY, 'idempotency-key': key });
        if (res.status === 202 || res.status === 200) {
          accepted.add(res.json.messageId);
          if (reloaded) acceptedAfterReload++;
          return;
        }
        if (res.status !== 503) return void refusals.push(`${key}: ${res.status} ${JSON.stringify(res.json)}`);
        await pause(20);
      }
      refusals.push(`${key}: still 503 after 100 tries`);
    };
    // Paced (at most ~100/s from two workers), so a few hundred messages span the reload.
    const sender = Promise.all(
      Array.from({ length: 2 }, async () => {
        while (acceptedAfterReload < 150 && sent < 2000) {
          await postOne(sent++);
          await pause(20);
        }
      }),
    );

    // Reload once some billing messages wait in its longest retry queue, a backlog in its work queue and one in flight.
    await waitFor('a message in billing\'s 30s retry queue', async () => (await queueDepth(names.retry(30_000))) > 0, 60_000, 100);
    jammed = true;
    await waitFor('a backlog for billing', async () => accepted.size >= 100 && (await queueDepth(names.work)) >= 10, 60_000, 100);
    await bus.writeConfig(after);
    const res = await fetch(`${bus.url}/admin/config/reload`, { method: 'POST', headers: { authorization: `Bearer ${bus.adminToken}` } });
    const plan = await res.json();
    reloaded = true;
    await sender;

    expect(res.status).toBe(200);
    expect(plan).toEqual(expect.objectContaining({ retired: ['billing'], systems: { added: ['archive'], removed: ['billing'], changed: ['erp'] } }));
    expect(refusals).toEqual([]);

    // Every accepted message settled in the journal: delivered or dead at each of its destinations.
    const messages = await waitFor(
      'every accepted message settled at each of its destinations',
      async () => {
        const found = await Promise.all([...accepted].map((id) => bus!.store.getMessage(id)));
        if (found.some((h) => !h)) return undefined;
        const journal = found.map((h) => h!.message);
        const open = journal.filter((m) => m.routes.some((r) => !['delivered', 'dead'].includes(m.destinations[r.destination]?.status)));
        return open.length === 0 ? journal : undefined;
      },
      90_000,
      250,
    );
    const version = plan.version as string;
    const erpOk = successes(erp, new Map());
    const archiveOk = successes(archive, new Map());
    const billingOk = successes(billing, billingStatus);
    const parked = new Map((await deadLettersOf('billing')).map((d) => [d.messageId, d]));
    const routedTo = (m: JournalMessage, d: string) => m.routes.some((r) => r.destination === d);

    let toBilling = 0;
    let toArchive = 0;
    for (const m of messages) {
      expect(erpOk.get(`${m.id}:erp`)).toBe(1);
      // Queued messages keep the destinations chosen when they were routed; new ones follow the new routes.
      expect(routedTo(m, 'billing')).toBe(m.configVersion !== version);
      expect(routedTo(m, 'archive')).toBe(m.configVersion === version);
      expect(archiveOk.get(`${m.id}:archive`)).toBe(routedTo(m, 'archive') ? 1 : undefined);
      if (routedTo(m, 'archive')) toArchive++;
      if (!routedTo(m, 'billing')) continue;
      toBilling++;
      const dead = parked.get(m.id);
      if (billingOk.get(`${m.id}:billing`) === 1) {
        expect(dead).toBeUndefined();
        expect(m.destinations.billing.status).toBe('delivered');
      } else {
        expect(billingOk.get(`${m.id}:billing`)).toBeUndefined();
        expect(dead).toEqual(expect.objectContaining({ errorCode: 'CONFIG.DESTINATION_REMOVED', errorMessage: expect.stringContaining(`system billing was removed in config version ${version}`) }));
        expect(m.destinations.billing.status).toBe('dead');
      }
    }
    // The load did what it is for: some billing messages were parked, some delivered, and new ones went to archive.
    expect(parked.size).toBeGreaterThan(0);
    expect(parked.size).toBeLessThan(toBilling);
    expect(toArchive).toBeGreaterThanOrEqual(150);
    expect(archive.requests.length).toBe(toArchive);
    expect(erp.requests.length).toBe(messages.length);

    // Nothing waits in a queue nobody reads; the dead-letter queue holds exactly what the index lists.
    for (const queue of [names.work, ...DELAYS_MS.map((d) => names.retry(d))]) expect(await queueDepth(queue)).toBe(0);
    expect(await queueDepth(names.deadLetter)).toBe(parked.size);
    // A publish for billing alone now comes back to the sender (ingress answers 503) instead of waiting unread.
    await expect(bus.app.get(Publisher).publish(messages[0].canonical!, ['billing'])).rejects.toMatchObject({ code: 'DELIVERY.UNKNOWN_DESTINATION' });
  }, 180_000);

  it('should park at start-up what a destination removed while the bus was down left queued, and replay it once the destination is back', async () => {
    const down = await startHttpTestServer((_req, res) => void res.writeHead(503).end());
    const delivery = '  immediateRetries: 0\n  redeliveryDelays: [100ms, 30s]';
    const withBilling = (url: string) => coreYaml({ erp: erp.url, billing: url }, { routes: route(['erp', 'billing']), delivery });
    const first = await startTestBus({ yaml: withBilling(down.url), vars: { CRM_API_KEY: CRM_KEY } });
    bus = first;
    const names = queueNames('billing', first.prefix);
    const ids: string[] = [];
    for (let n = 0; n < 5; n++) ids.push((await postJson(`${first.url}/adapters/crm/messages`, crmCustomer(), { 'x-api-key': CRM_KEY })).json.messageId);
    await waitFor('five messages in billing\'s 30s retry queue', async () => (await queueDepth(names.retry(30_000))) === 5, 30_000, 100);
    await first.close({ keepBroker: true, keepDir: true });
    await down.close();

    const second = await startTestBus({ yaml: coreYaml({ erp: erp.url }, { routes: route(['erp']), delivery }), vars: { CRM_API_KEY: CRM_KEY }, dir: first.dir, prefix: first.prefix });
    bus = second;
    const version = (await second.app.get(ConfigService).active()).version;

    for (const queue of [names.work, names.retry(100), names.retry(30_000)]) expect(await queueDepth(queue)).toBe(0);
    const parked = await deadLettersOf('billing');
    expect(parked.map((d) => d.messageId).sort()).toEqual([...ids].sort());
    for (const d of parked) expect(d.errorMessage).toContain(`system billing was removed in config version ${version}`);
    await waitFor('the journal showing them dead at billing', async () => {
      const found = await Promise.all(ids.map((id) => second.store.getMessage(id)));
      return found.every((h) => h?.message.destinations.billing?.status === 'dead' && h.hops.some((hop) => hop.kind === 'dead-lettered' && hop.error?.startsWith('CONFIG.DESTINATION_REMOVED'))) || undefined;
    });
    const replay = (id: string) => fetch(`${second.url}/admin/dead-letters/${id}/replay`, { method: 'POST', headers: { authorization: `Bearer ${second.adminToken}`, 'content-type': 'application/json' }, body: '{}' });
    expect((await replay(parked[0].id)).status).toBe(409);

    const back = await startHttpTestServer();
    await second.writeConfig(withBilling(back.url));
    await fetch(`${second.url}/admin/config/reload`, { method: 'POST', headers: { authorization: `Bearer ${second.adminToken}` } });
    for (const d of parked) expect((await replay(d.id)).status).toBe(200);

    await waitFor('five replays at billing', () => back.requests.length >= 5 || undefined);
    const delivered = await waitFor('five delivered in the journal', async () => {
      const found = await Promise.all(ids.map((id) => second.store.getMessage(id)));
      return found.every((h) => h?.message.destinations.billing?.status === 'delivered') || undefined;
    });
    expect(delivered).toBe(true);
    expect(back.requests.map((r) => r.headers['idempotency-key']).sort()).toEqual(ids.map((id) => `${id}:billing`).sort());
    await back.close();
  }, 120_000);
});
