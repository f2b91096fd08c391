import { waitFor } from '../support/broker';
import { drill } from './support/drill';
import { crmMessages, drillYaml } from './support/drill-config';
import { expectPromiseKept, formatFigures, settle } from './support/drill-figures';
import { startBrokerApp, stopBrokerApp } from './support/fault-broker';

const N = Number(process.env.BUS_DRILL_MESSAGES || 3000);

describe('fault drill: broker restart', () => {
  drill('should deliver every accepted message exactly once when the broker restarts mid-load', async (ctx) => {
    const erp = await ctx.destination();
    await ctx.writeConfig(drillYaml(erp.url));
    const bus = await ctx.startBus();
    const messages = crmMessages(N);
    const sender = ctx.sender(() => [bus.url], { concurrency: 16, ratePerSecond: 150 });

    const sending = sender.send(messages);
    await waitFor('a third of the load accepted', () => sender.report.accepted.size >= N / 3, 60_000);
    const acceptedBefore = sender.report.accepted.size;
    await stopBrokerApp();
    ctx.note(`broker stopped after ${acceptedBefore} accepted, ${erp.effectCount()} delivered`);
    await waitFor('the bus to say it is not ready', async () => (await fetch(`${bus.url}/health/ready`)).status === 503, 30_000, 200);
    await startBrokerApp();
    await waitFor('the bus to be ready again', async () => (await fetch(`${bus.url}/health/ready`)).status === 200, 60_000, 200);
    ctx.note(`broker back; ${sender.report.accepted.size} accepted so far`);
    const report = await sending;

    const details = await settle({ vhost: ctx.vhost.name, messages, report, destination: erp });
    ctx.note(formatFigures('broker restart', details.figures, { senderRetries: Object.fromEntries(report.retries) }));
    expectPromiseKept(details, { sent: N });
  });
});
