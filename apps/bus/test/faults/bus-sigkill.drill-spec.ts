import { waitFor } from '../support/broker';
import { drill } from './support/drill';
import { crmMessages, drillYaml } from './support/drill-config';
import { expectPromiseKept, formatFigures, settle } from './support/drill-figures';

const N = Number(process.env.BUS_DRILL_MESSAGES || 3000);
const PREFETCH = 50;
const KILLS = 3;

describe('fault drill: bus SIGKILL', () => {
  drill('should deliver every accepted message exactly once when the bus is SIGKILLed while accepting and delivering', async (ctx) => {
    // A slow destination keeps up to `prefetch` messages in flight when the kill lands.
    const erp = await ctx.destination({ slowMs: 100 });
    await ctx.writeConfig(drillYaml(erp.url, { prefetch: PREFETCH }));
    const bus = await ctx.startBus();
    const messages = crmMessages(N);
    // Unpaced, so every kill lands with requests in flight at the ingress too, not only at the destination.
    const sender = ctx.sender(() => [bus.url], { concurrency: 32 });

    const sending = sender.send(messages);
    for (let kill = 1; kill <= KILLS; kill++) {
      const target = (N * kill) / (KILLS + 1);
      await waitFor(`${target} messages accepted`, () => sender.report.accepted.size >= target, 120_000, 50);
      await bus.kill();
      ctx.note(`SIGKILL ${kill}: ${sender.report.accepted.size} accepted, ${erp.effectCount()} delivered`);
      await bus.restart();
      ctx.note(`restarted on the same data dir; ${sender.report.accepted.size} accepted`);
    }
    const report = await sending;

    const details = await settle({ vhost: ctx.vhost.name, messages, report, destination: erp, explain: ctx.journalStatus(bus) });
    ctx.note(formatFigures('bus SIGKILL', details.figures, { kills: KILLS, senderRetries: Object.fromEntries(report.retries) }));
    expectPromiseKept(details, { sent: N, maxRepeats: PREFETCH * KILLS });
  });

  // The same kills with nothing arriving: only the delivery side (ledger, ack, redelivery) is tested.
  drill('should deliver every queued message exactly once when the bus is SIGKILLed while only delivering', async (ctx) => {
    const erp = await ctx.destination({ slowMs: 200 });
    await ctx.writeConfig(drillYaml(erp.url, { prefetch: PREFETCH }));
    const bus = await ctx.startBus();
    const messages = crmMessages(N);
    const report = await ctx.sender(() => [bus.url], { concurrency: 16 }).send(messages);

    for (let kill = 1; kill <= KILLS; kill++) {
      const target = (N * kill) / (KILLS + 1);
      await waitFor(`${target} messages delivered`, () => erp.effectCount() >= target, 120_000, 50);
      await bus.kill();
      ctx.note(`SIGKILL ${kill}: ${erp.effectCount()} delivered of ${report.accepted.size} accepted`);
      await bus.restart();
    }

    const details = await settle({ vhost: ctx.vhost.name, messages, report, destination: erp, explain: ctx.journalStatus(bus) });
    ctx.note(formatFigures('bus SIGKILL while delivering', details.figures, { kills: KILLS }));
    expectPromiseKept(details, { sent: N, maxRepeats: PREFETCH * KILLS });
  });
});
