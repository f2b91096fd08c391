import { waitFor } from '../support/broker';
import type { CountingDestination } from './support/counting-destination';
import { listDeadLetters, type DeadLetterView } from './support/dead-letters';
import { drill, type DrillContext } from './support/drill';
import { crmMessages } from './support/drill-config';
import { formatFigures, pendingInQueues, settle } from './support/drill-figures';
import { queueDepths } from './support/fault-broker';
import type { BusProcess } from './support/bus-process';

const N = Number(process.env.BUS_DRILL_MESSAGES || 2000);

interface Topology {
  /** Systems that receive (name -> stand-in URL). */
  systems: Record<string, string>;
  /** Route name -> its destinations; every route takes the CRM's customer changes. */
  routes: Record<string, string[]>;
}

/** bus.yaml: the CRM posts customers, each destination is an ERP-shaped HTTP system. */
function topologyYaml(t: Topology): string {
  const systems = Object.entries(t.systems)
    .map(([name, url]) => `  ${name}:\n    adapter: http\n    codec: json\n    mapping: mappings/erp\n    outbound: { url: "${url}", timeoutMs: 30000 }\n`)
    .join('');
  const routes = Object.entries(t.routes)
    .map(([name, to]) => `  - name: ${name}\n    from: crm\n    types: [customer.created, customer.updated]\n    to: [${to.join(', ')}]\n`)
    .join('');
  return `systems:
  crm:
    adapter: http
    codec: json
    mapping: mappings/crm
    inbound: { apiKey: "\${CRM_API_KEY}" }
${systems}routes:
${routes}delivery:
  queueType: quorum
  prefetch: 20
  immediateRetries: 0
  redeliveryDelays: [100ms, 250ms, 500ms, 1s, 2s, 5s]
ingress:
  bodyLimit: 64kb
`;
}

/** What one destination ended with: every message routed to it delivered once or dead-lettered with the reason, never both. */
interface DestinationFigures {
  routed: number;
  deliveredOnce: number;
  deadLettered: number;
  both: number;
  neither: number;
  duplicates: number;
  repeats: number;
  wrongReason: number;
}

async function routesOf(ctx: DrillContext, bus: BusProcess, messageIds: string[]): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  let next = 0;
  const worker = async () => {
    while (next < messageIds.length) {
      const id = messageIds[next++];
      const res = await ctx.admin(bus, 'GET', `messages/${id}`);
      if (res.status !== 200) throw new Error(`GET /admin/messages/${id} answered ${res.status}: ${JSON.stringify(res.json)}`);
      out.set(id, (res.json.message.routes as Array<{ destination: string }>).map((r) => r.destination));
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  return out;
}

describe('fault drill: reloads that change the topology under load', () => {
  drill('should deliver once or dead-letter with the reason every message of a destination a reload removes, adds or retargets, and replay the removed one exactly once', async (ctx) => {
    const started = Date.now();
    // wms is slow, so a backlog waits in its queue when a reload removes it.
    const erp = await ctx.destination();
    const wms = await ctx.destination({ slowMs: 400 });
    const ledger = await ctx.destination();
    const audit = await ctx.destination();
    const stands: Record<string, CountingDestination> = { erp, wms, ledger, audit };

    const versions: Topology[] = [
      { systems: { erp: erp.url, wms: wms.url }, routes: { 'customers-to-erp': ['erp', 'wms'] } },
      // 1: wms removed (system and route target): its queued messages become dead letters.
      { systems: { erp: erp.url }, routes: { 'customers-to-erp': ['erp'] } },
      // 2: a new destination with a new route.
      { systems: { erp: erp.url, ledger: ledger.url }, routes: { 'customers-to-erp': ['erp'], 'customers-to-ledger': ['ledger'] } },
      // 3: the new route retargeted to another new destination (ledger stays configured and drains).
      { systems: { erp: erp.url, ledger: ledger.url, audit: audit.url }, routes: { 'customers-to-erp': ['erp'], 'customers-to-ledger': ['audit'] } },
    ];
    await ctx.writeConfig(topologyYaml(versions[0]));
    const bus = await ctx.startBus();
    const messages = crmMessages(N);
    const sender = ctx.sender(() => [bus.url], { concurrency: 16, ratePerSecond: 200 });

    const sending = sender.send(messages);
    const reloads: Array<{ version: unknown; status: number; at: number }> = [];
    for (let v = 1; v < versions.length; v++) {
      const target = (N * v) / versions.length;
      await waitFor(`${target} messages accepted`, () => sender.report.accepted.size >= target, 120_000, 50);
      await ctx.writeConfig(topologyYaml(versions[v]));
      const res = await ctx.admin(bus, 'POST', 'config/reload');
      reloads.push({ version: res.json?.version, status: res.status, at: sender.report.accepted.size });
      ctx.note(`reload ${v} -> ${res.status} ${JSON.stringify(res.json).slice(0, 200)} after ${sender.report.accepted.size} accepted; wms took ${wms.effectCount()}`);
      expect(res.status).toBe(200);
    }
    const report = await sending;
    expect(report.accepted.size).toBe(N);

    // Everything routed has arrived or been parked once erp (on every route version) has all and no queue holds work.
    await settle({ vhost: ctx.vhost.name, messages, report, destination: erp, explain: ctx.journalStatus(bus) });
    await waitFor('no queue holding work', async () => (await pendingInQueues(ctx.vhost.name)) === 0, 60_000, 500);

    const routed = await routesOf(ctx, bus, [...report.accepted.values()]);
    const businessIdOf = new Map(messages.map((m) => [report.accepted.get(m.key)!, m.businessId]));
    const removedIn = versions.findIndex((t, i) => i > 0 && !t.systems.wms);
    const removedVersion = reloads[removedIn - 1]?.version;
    const wmsDead = await listDeadLetters(ctx, bus, 'system=wms&state=all');
    // The removed destination's work and retry queues are empty (deleted or drained); its dead letters hold the rest.
    const wmsQueues = [...(await queueDepths(ctx.vhost.name))].filter(([name]) => /\.wms(\.|$)/.test(name));
    const wmsQueued = wmsQueues.filter(([name]) => !name.endsWith('.dead-letter')).reduce((n, [, depth]) => n + (Number.isNaN(depth) ? 1 : depth), 0);
    const wmsDeadQueue = wmsQueues.find(([name]) => name.endsWith('.dead-letter'))?.[1];

    const figures: Record<string, DestinationFigures> = {};
    for (const [name, stand] of Object.entries(stands)) {
      const effects = stand.effectsByBusinessId();
      const dead = new Set(name === 'wms' ? wmsDead.map((d) => d.messageId) : (await listDeadLetters(ctx, bus, `system=${name}&state=all`)).map((d) => d.messageId));
      const f: DestinationFigures = { routed: 0, deliveredOnce: 0, deadLettered: 0, both: 0, neither: 0, duplicates: 0, repeats: stand.repeats().length, wrongReason: 0 };
      for (const [id, destinations] of routed) {
        if (!destinations.includes(name)) continue;
        f.routed++;
        const keys = effects.get(businessIdOf.get(id)!) ?? [];
        if (keys.length > 1) f.duplicates++;
        if (keys.length === 1 && dead.has(id)) f.both++;
        else if (keys.length === 1) f.deliveredOnce++;
        else if (dead.has(id)) f.deadLettered++;
        else f.neither++;
      }
      figures[name] = f;
    }
    for (const d of wmsDead) {
      if (d.errorCode !== 'CONFIG.DESTINATION_REMOVED' || !String(d.errorMessage).includes(`config version ${removedVersion}`)) figures.wms.wrongReason++;
    }
    ctx.note(`[drill] reload topology: accepted ${report.accepted.size}, per destination ${JSON.stringify(figures)}, wms removed in version ${removedVersion}, wms queued ${wmsQueued}, in its dead-letter queue ${wmsDeadQueue}, ${Math.round((Date.now() - started) / 1000)} s`);

    for (const [name, f] of Object.entries(figures)) {
      expect({ name, both: f.both, neither: f.neither, duplicates: f.duplicates, repeats: f.repeats, wrongReason: f.wrongReason }).toEqual({ name, both: 0, neither: 0, duplicates: 0, repeats: 0, wrongReason: 0 });
    }
    expect(figures.erp).toMatchObject({ routed: N, deliveredOnce: N, deadLettered: 0 });
    expect(figures.wms.deadLettered).toBeGreaterThan(0);
    expect(wmsQueued).toBe(0);
    expect(figures.wms.routed).toBeGreaterThan(0);
    expect(figures.ledger.routed).toBeGreaterThan(0);
    expect(figures.ledger.deadLettered).toBe(0);
    expect(figures.audit.routed).toBeGreaterThan(0);
    expect(figures.audit.deadLettered).toBe(0);

    // wms comes back; its dead letters are replayed and each must arrive exactly once.
    await ctx.writeConfig(topologyYaml({ ...versions[3], systems: { ...versions[3].systems, wms: wms.url } }));
    expect((await ctx.admin(bus, 'POST', 'config/reload')).status).toBe(200);
    const before = wms.effectCount();
    // As an operator would: replay, and replay again what failed (e.g. the broker was briefly away) until none is left.
    let replays = 0;
    await waitFor('every wms dead letter replayed', async () => {
      const replay = await ctx.admin(bus, 'POST', 'dead-letters/replay', { system: 'wms' });
      replays++;
      ctx.note(`replay wms -> ${replay.status} replayed ${replay.json?.replayed}, failed ${replay.json?.failed?.length ?? 0}${replay.json?.failed?.length ? ` (${replay.json.failed[0].reason})` : ''}`);
      return replay.status === 200 && (replay.json.failed?.length ?? 0) === 0 && (await listDeadLetters(ctx, bus, 'system=wms&state=dead')).length === 0;
    }, 120_000, 1000);
    const deadIds = new Set(wmsDead.filter((d: DeadLetterView) => d.state === 'dead').map((d) => d.messageId));
    await waitFor(`${deadIds.size} replayed wms messages delivered`, () => wms.effectCount() >= before + deadIds.size, 120_000, 200);
    await waitFor('no queue holding work after the replay', async () => (await pendingInQueues(ctx.vhost.name)) === 0, 60_000, 500);
    const effects = wms.effectsByBusinessId();
    let once = 0;
    let twice = 0;
    let missing = 0;
    for (const id of deadIds) {
      const keys = effects.get(businessIdOf.get(id)!) ?? [];
      if (keys.length === 1) once++;
      else if (keys.length > 1) twice++;
      else missing++;
    }
    const stillDead = (await listDeadLetters(ctx, bus, 'system=wms&state=dead')).length;
    ctx.note(
      formatFigures('reload topology, wms after replay', {
        accepted: figures.wms.routed,
        deliveredOnce: figures.wms.deliveredOnce + once,
        lost: missing,
        duplicates: figures.wms.duplicates + twice,
        repeats: wms.repeats().length,
        parked: stillDead,
        refused: 0,
      }, { replayed: deadIds.size, replayCalls: replays, seconds: Math.round((Date.now() - started) / 1000) }),
    );
    expect({ once, twice, missing, repeats: wms.repeats().length, stillDead }).toEqual({ once: deadIds.size, twice: 0, missing: 0, repeats: 0, stillDead: 0 });
  });
});
