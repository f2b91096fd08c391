import { waitFor } from '../support/broker';
import { drill } from './support/drill';
import { crmMessages, drillYaml } from './support/drill-config';
import { expectPromiseKept, formatFigures, settle } from './support/drill-figures';

const N = Number(process.env.BUS_DRILL_MESSAGES || 3000);
const OUTAGE_MS = Number(process.env.BUS_DRILL_OUTAGE_MS || 60_000);
// Redeliveries spanning well over the outage, so a message accepted as the destination goes down
// is still being retried when it comes back (about 2.5 min in total).
const DELAYS = ['250ms', '500ms', '1s', '2s', '5s', ...Array(14).fill('10s')];

describe('fault drill: destination outage', () => {
  drill(`should deliver every accepted message exactly once after the destination was down for ${OUTAGE_MS / 1000} s under load`, async (ctx) => {
    const erp = await ctx.destination();
    await ctx.writeConfig(drillYaml(erp.url, { redeliveryDelays: DELAYS }));
    const bus = await ctx.startBus();
    const messages = crmMessages(N);
    // Paced so the load runs before, through and after the outage.
    const rate = N / ((OUTAGE_MS + 20_000) / 1000);
    const sender = ctx.sender(() => [bus.url], { concurrency: 8, ratePerSecond: rate });

    const sending = sender.send(messages);
    await waitFor('some load delivered', () => erp.effectCount() >= N / 10, 60_000, 50);
    await erp.down();
    const downAt = Date.now();
    ctx.note(`destination down after ${erp.effectCount()} delivered, ${sender.report.accepted.size} accepted`);
    // The outage is the fault itself: it lasts its full length while the sender keeps posting.
    await new Promise((resolve) => setTimeout(resolve, OUTAGE_MS));
    await erp.up();
    ctx.note(`destination up after ${Math.round((Date.now() - downAt) / 1000)} s; ${sender.report.accepted.size} accepted, ${erp.effectCount()} delivered`);
    const report = await sending;

    const details = await settle({ vhost: ctx.vhost.name, messages, report, destination: erp, timeoutMs: 240_000, explain: ctx.journalStatus(bus) });
    ctx.note(formatFigures('destination outage', details.figures, { outageSeconds: OUTAGE_MS / 1000 }));
    expectPromiseKept(details, { sent: N });
  }, 480_000);
});
