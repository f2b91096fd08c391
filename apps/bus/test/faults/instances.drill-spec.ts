import { waitFor } from '../support/broker';
import type { BusProcess } from './support/bus-process';
import { drill } from './support/drill';
import { crmMessages, drillYaml } from './support/drill-config';
import { expectPromiseKept, formatFigures, settle } from './support/drill-figures';

const N = Number(process.env.BUS_DRILL_MESSAGES || 3000);
const INSTANCES = 3;
const PREFETCH = 50;

describe('fault drill: several bus instances on one store', () => {
  drill(`should deliver every accepted message exactly once when ${INSTANCES} instances share a store and vhost and one is SIGKILLed mid-load`, async (ctx) => {
    const erp = await ctx.destination({ slowMs: 100 });
    await ctx.writeConfig(drillYaml(erp.url, { prefetch: PREFETCH }));
    const buses: BusProcess[] = [];
    // One after another: each instance opens the shared store once the one before is up.
    for (let i = 0; i < INSTANCES; i++) buses.push(await ctx.startBus(`instance${i + 1}`));
    const messages = crmMessages(N);
    // Round robin over every instance, the killed one included: its refused connections go to the next.
    // Unpaced, so the kill lands with requests in flight at the victim's ingress too.
    const sender = ctx.sender(() => buses.map((b) => b.url), { concurrency: 64 });

    const sending = sender.send(messages);
    await waitFor(`${N / 3} messages accepted`, () => sender.report.accepted.size >= N / 3, 120_000, 50);
    const victim = buses[1];
    await victim.kill();
    ctx.note(`SIGKILL ${victim.name}: ${sender.report.accepted.size} accepted, ${erp.effectCount()} delivered`);
    const report = await sending;

    const details = await settle({ vhost: ctx.vhost.name, messages, report, destination: erp, explain: ctx.journalStatus(buses[0]) });
    ctx.note(formatFigures('instances', details.figures, { instances: INSTANCES, senderRetries: Object.fromEntries(report.retries) }));
    expectPromiseKept(details, { sent: N, maxRepeats: PREFETCH });
  });
});
