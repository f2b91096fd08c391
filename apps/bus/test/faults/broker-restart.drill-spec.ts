import { waitFor } from '../support/broker';
import { drill } from './support/drill';
import { crmMessages, drillYaml } from './support/drill-config';
import { expectPromiseKept, formatFigures, settle } from './support/drill-figures';
import { startBrokerApp, stopBrokerApp } from './support/fault-broker';

const N = Number(process.env.BUS_DRILL_MESSAGES || 3000);
// Each restart is one chance to catch a publish whose confirm is lost with the connection.
const RESTARTS = 3;

describe('fault drill: broker restart', () => {
  drill('should deliver every accepted message exactly once when the broker restarts mid-load', async (ctx) => {
    const erp = await ctx.destination();
    await ctx.writeConfig(drillYaml(erp.url));
    const bus = await ctx.startBus();
    const messages = crmMessages(N);
    const ready = () =>
      fetch(`${bus.url}/health/ready`, { signal: AbortSignal.timeout(5000) })
        .then((r) => r.status)
        .catch(() => 0);
    const sender = ctx.sender(() => [bus.url], { concurrency: 32, ratePerSecond: 150 });

    const sending = sender.send(messages);
    for (let restart = 1; restart <= RESTARTS; restart++) {
      const target = (N * restart) / (RESTARTS + 1);
      await waitFor(`${target} messages accepted`, () => sender.report.accepted.size >= target, 120_000, 50);
      await stopBrokerApp();
      ctx.note(`broker stopped (${restart}) after ${sender.report.accepted.size} accepted, ${erp.effectCount()} delivered`);
      await waitFor('the bus to say it is not ready', async () => (await ready()) === 503, 30_000, 200);
      await startBrokerApp();
      await waitFor('the bus to be ready again', async () => (await ready()) === 200, 60_000, 200);
      ctx.note(`broker back (${restart}); ${sender.report.accepted.size} accepted so far`);
    }
    const report = await sending;

    const details = await settle({ vhost: ctx.vhost.name, messages, report, destination: erp, explain: ctx.journalStatus(bus) });
    ctx.note(formatFigures('broker restart', details.figures, { restarts: RESTARTS, senderRetries: Object.fromEntries(report.retries) }));
    expectPromiseKept(details, { sent: N });
  });
});
