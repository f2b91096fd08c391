import { waitFor } from '../support/broker';
import { drill } from './support/drill';
import { crmMessages, drillYaml } from './support/drill-config';
import { expectPromiseKept, formatFigures, settle } from './support/drill-figures';
import { listDeadLetters, parkedBusinessIds } from './support/dead-letters';
import { queueDepths } from './support/fault-broker';

const N = Number(process.env.BUS_DRILL_DEAD_LETTERS || 400);

describe('fault drill: dead letters and replay', () => {
  drill('should deliver every dead letter exactly once however it is replayed: one, a filtered batch, two batches at once, the same one twice', async (ctx) => {
    const erp = await ctx.destination();
    await erp.failing();
    await ctx.writeConfig(drillYaml(erp.url, { redeliveryDelays: ['100ms', '200ms'] }));
    const bus = await ctx.startBus();
    const messages = crmMessages(N, (i) => (i % 2 === 0 ? 'customer.created' : 'customer.updated'));
    const report = await ctx.sender(() => [bus.url]).send(messages);
    await waitFor(
      `all ${N} messages parked as dead letters`,
      async () => (await listDeadLetters(ctx, bus, 'system=erp')).length >= N,
      120_000,
      500,
    );
    await erp.up();
    const dead = await listDeadLetters(ctx, bus, 'system=erp');
    const created = dead.filter((d) => d.type === 'customer.created');
    ctx.note(`${dead.length} dead letters (${created.length} customer.created); destination fixed`);

    const replays: Array<{ what: string; status: number; replayed: number }> = [];
    const one = async (what: string, id: string) => {
      const res = await ctx.admin(bus, 'POST', `dead-letters/${id}/replay`, {});
      replays.push({ what, status: res.status, replayed: res.status === 200 ? 1 : 0 });
    };
    const batch = async (what: string, filter: Record<string, string>) => {
      const res = await ctx.admin(bus, 'POST', 'dead-letters/replay', filter);
      replays.push({ what, status: res.status, replayed: res.status === 200 ? Number(res.json.replayed) : 0 });
    };
    const delivered = (customerId: string) => () => erp.effectsByBusinessId().has(customerId);

    // One, and once it is delivered, the same one again (must be refused: already replayed).
    await one('one', created[0].id);
    await waitFor('the replayed dead letter delivered', delivered(created[0].envelope.payload.customerId!), 30_000, 50);
    await one('the same one again', created[0].id);
    // The same one twice at once.
    await Promise.all([one('twice at once (a)', created[1].id), one('twice at once (b)', created[1].id)]);
    // A filtered batch: the rest of the customer.created ones.
    await batch('batch type=customer.created', { system: 'erp', type: 'customer.created' });
    // Two overlapping batches at once: every customer.updated is in both.
    await Promise.all([batch('batch type=customer.updated', { type: 'customer.updated' }), batch('batch system=erp', { system: 'erp' })]);

    const details = await settle({ vhost: ctx.vhost.name, messages, report, destination: erp, parked: () => parkedBusinessIds(ctx, bus, 'erp'), explain: ctx.journalStatus(bus) });
    const replayed = replays.reduce((sum, r) => sum + r.replayed, 0);
    const index = await listDeadLetters(ctx, bus, 'system=erp&state=all');
    const stillDead = index.filter((d) => d.state === 'dead').length;
    // Absent or not counted is NaN: only a real 0 passes.
    const copiesLeft = async () => (await queueDepths(ctx.vhost.name)).get('bus.erp.dead-letter') ?? NaN;
    // The bus may clear replayed copies a moment later; give it that moment, then count.
    await waitFor('replayed copies gone from bus.erp.dead-letter', async () => (await copiesLeft()) === 0, 15_000, 1000).catch(() => undefined);
    const brokerCopies = await copiesLeft();
    ctx.note(`replay answers: ${replays.map((r) => `${r.what} -> ${r.status} (${r.replayed})`).join('; ')}`);
    ctx.note(formatFigures('dead-letter replay', details.figures, { replaysPublished: replayed, indexStillDead: stillDead, brokerDeadLetterCopies: brokerCopies }));

    expectPromiseKept(details, {
      sent: N,
      also: {
        // Each dead letter sent again once: a replay that publishes twice leans on the destination's idempotency.
        'replays published': [replayed, N],
        'dead letters still waiting': [stillDead, 0],
        // A replayed dead letter leaves no copy behind in the broker's dead-letter queue.
        'copies left in bus.erp.dead-letter': [brokerCopies, 0],
      },
    });
  });
});
