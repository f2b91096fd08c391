import { waitFor } from '../support/broker';
import { drill } from './support/drill';
import { crmMessages, drillYaml } from './support/drill-config';
import { expectPromiseKept, formatFigures, settle } from './support/drill-figures';

const N = Number(process.env.BUS_DRILL_MESSAGES || 3000);
const RELOADS = 3;
const PREFETCH = 50;

describe('fault drill: config reload under load', () => {
  drill('should deliver every accepted message exactly once when the destination changes by reload mid-load', async (ctx) => {
    // A slow destination keeps messages in flight while the reload drains and swaps its consumer.
    const erp = await ctx.destination({ slowMs: 50 });
    await ctx.writeConfig(drillYaml(erp.url, { prefetch: PREFETCH }));
    const bus = await ctx.startBus();
    const messages = crmMessages(N);
    const sender = ctx.sender(() => [bus.url], { concurrency: 16, ratePerSecond: 200 });

    const sending = sender.send(messages);
    for (let reload = 1; reload <= RELOADS; reload++) {
      const target = (N * reload) / (RELOADS + 1);
      await waitFor(`${target} messages accepted`, () => sender.report.accepted.size >= target, 120_000, 50);
      // A changed setting of the destination: its consumer is drained and started again.
      await ctx.writeConfig(drillYaml(erp.url, { prefetch: PREFETCH, erpTimeoutMs: 30_000 + reload }));
      const res = await ctx.admin(bus, 'POST', 'config/reload');
      ctx.note(`reload ${reload} -> ${res.status} after ${sender.report.accepted.size} accepted, ${erp.effectCount()} delivered`);
      expect(res.status).toBe(200);
    }
    const report = await sending;

    const details = await settle({ vhost: ctx.vhost.name, messages, report, destination: erp, explain: ctx.journalStatus(bus) });
    ctx.note(formatFigures('reload under load', details.figures, { reloads: RELOADS }));
    expectPromiseKept(details, { sent: N });
  });
});
