import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { waitFor } from '../support/broker';
import type { BusProcess } from './support/bus-process';
import { drill } from './support/drill';
import { SlowSmtpSink } from './support/slow-smtp-sink';

const CUSTOMERS = Number(process.env.BUS_DRILL_CUSTOMERS || 300);
const JOB = 'drill-letters';
const RUN_KEY = 'drill';
/** The relay's time per message: keeps e-mails in flight when the bus is killed. */
const SMTP_DELAY_MS = Number(process.env.BUS_DRILL_SMTP_DELAY_MS || 150);

/** Letters to a spool folder, named after customer and run so a takeover can ask; notices to a loopback SMTP sink. */
function mailMergeYaml(spoolDir: string, smtpPort: number): string {
  return `systems:
  letters:
    adapter: printer
    mapper: passthrough
    outbound:
      spoolDir: "${spoolDir}"
      jobNameTemplate: "letter-{{customerId}}-{{run}}"
  mailer:
    adapter: smtp
    mapper: passthrough
    outbound:
      host: 127.0.0.1
      port: ${smtpPort}
      from: letters@drill.example
routes: []
jobs:
  ${JOB}:
    source: { csv: customers.csv }
    letter:
      template: templates/letter.hbs
      sender: { name: Drill Telecom GmbH, street: Hauptstr. 1, postalCode: "10115", city: Berlin }
    printer: letters
    notice:
      template: templates/notice.hbs
    email: mailer
    concurrency: 2
    attempts: 3
    lockTtlMs: 2000
    resumeCheckMs: 500
`;
}

const customerId = (i: number) => `C${String(i).padStart(5, '0')}`;

function customersCsv(n: number): string {
  const rows = Array.from({ length: n }, (_, i) => `${customerId(i)},Drill Customer ${i},Hauptstr. ${i + 1},10115,Berlin,DE,c${i}@drill.example`);
  return ['customerId,name,street,postalCode,city,country,email', ...rows].join('\n') + '\n';
}

describe('fault drill: bus SIGKILLed mid mail merge', () => {
  drill('should print one letter and send at most one e-mail per customer when the instance running the job is killed, and list unknown e-mails for an operator', async (ctx) => {
    const started = Date.now();
    const sink = await new SlowSmtpSink(SMTP_DELAY_MS).start();
    try {
      const spoolDir = join(ctx.dir, 'spool');
      await ctx.writeFile('spool/.keep', '');
      await ctx.writeFile('customers.csv', customersCsv(CUSTOMERS));
      await ctx.writeConfig(mailMergeYaml(spoolDir, sink.port));
      const buses = [await ctx.startBus('bus1'), await ctx.startBus('bus2')];
      const progress = async (bus: BusProcess) => (await ctx.admin(bus, 'GET', `jobs/${JOB}`)).json;

      const run = await ctx.admin(buses[0], 'POST', `jobs/${JOB}/run`, { runKey: RUN_KEY });
      ctx.note(`run -> ${run.status} ${JSON.stringify(run.json)}`);
      expect(run.status).toBe(202);

      // Kill the instance holding the run once about a third of the customers are done, while e-mails are in flight.
      const mid = await waitFor('a third of the customers e-mailed, e-mails in flight', async () => {
        const p = await progress(buses[0]);
        if (!(p?.emailed >= CUSTOMERS / 3)) return undefined;
        const started = (await ctx.admin(buses[0], 'GET', `jobs/${JOB}/effects?state=started&runKey=${RUN_KEY}`)).json.items as Array<{ recipient: string; effect: string }>;
        return started.some((e) => e.effect === 'email') ? { ...p, emailsStarted: started.filter((e) => e.effect === 'email').map((e) => e.recipient) } : undefined;
      }, 120_000, 5);
      const victim = buses.find((b) => String(mid.owner ?? '').includes(`-${b.pid}-`)) ?? buses[0];
      const survivor = buses.find((b) => b !== victim)!;
      await victim.kill();
      const killedAt = Date.now();
      ctx.note(`killed ${victim.name} (owner ${mid.owner}) at printed ${mid.printed}, e-mailed ${mid.emailed}, in flight ${mid.inFlight}, e-mails started ${mid.emailsStarted.join(' ')}, relay had ${sink.accepted.length}`);

      const takenOver = await waitFor('the survivor owning the run', async () => {
        const p = await progress(survivor);
        return p?.owner && p.owner !== mid.owner ? p : undefined;
      }, 60_000, 50);
      const takeoverMs = Date.now() - killedAt;
      ctx.note(`taken over by ${takenOver.owner} after ${takeoverMs} ms (state ${takenOver.state})`);
      const done = await waitFor('the run completed', async () => {
        const p = await progress(survivor);
        return p?.state === 'completed' || p?.state === 'failed' ? p : undefined;
      }, 180_000, 200);
      ctx.note(`run ${done.state}: printed ${done.printed}, e-mailed ${done.emailed}, failed ${done.failed}, effects ${JSON.stringify(done.effects)}, unknown ${done.unknownEffects}`);

      const letters = async () => {
        const files = (await readdir(spoolDir)).filter((f) => f.endsWith('.pdf'));
        const per = new Map<string, number>();
        for (const f of files) {
          const id = /^letter-(C\d+)-/.exec(f)?.[1] ?? f;
          per.set(id, (per.get(id) ?? 0) + 1);
        }
        return per;
      };
      /** Distinct Message-IDs per recipient (a resend under the same Message-ID is one e-mail) and resends. */
      const mails = () => ({ per: sink.messageIdsByRecipient(), messages: sink.accepted.length });
      const unknown = (await ctx.admin(survivor, 'GET', `jobs/${JOB}/effects?state=unknown&runKey=${RUN_KEY}`)).json.items as Array<{ recipient: string; effect: string }>;
      const unknownEmails = new Set(unknown.filter((e) => e.effect === 'email').map((e) => e.recipient));

      const figuresAt = async () => {
        const l = await letters();
        const m = mails();
        let lettersOnce = 0, lettersTwice = 0, lettersMissing = 0, mailsOnce = 0, mailsTwice = 0, mailsMissing = 0, missingNotListed = 0;
        for (let i = 0; i < CUSTOMERS; i++) {
          const n = l.get(customerId(i)) ?? 0;
          if (n === 1) lettersOnce++;
          else if (n > 1) lettersTwice++;
          else lettersMissing++;
          const k = m.per.get(`c${i}@drill.example`)?.size ?? 0;
          if (k === 1) mailsOnce++;
          else if (k > 1) mailsTwice++;
          else {
            mailsMissing++;
            if (!unknownEmails.has(customerId(i))) missingNotListed++;
          }
        }
        return { lettersOnce, lettersTwice, lettersMissing, mailsOnce, mailsTwice, mailsMissing, missingNotListed, smtpMessages: m.messages };
      };
      const before = await figuresAt();
      ctx.note(`[drill] mail merge sigkill, before resolve: customers ${CUSTOMERS}, ${JSON.stringify(before)}, unknown ${JSON.stringify(unknown)}, takeover ${takeoverMs} ms`);
      expect(done.state).toBe('completed');
      expect(before).toMatchObject({ lettersOnce: CUSTOMERS, lettersTwice: 0, lettersMissing: 0, mailsTwice: 0, missingNotListed: 0 });
      expect(unknown.filter((e) => e.effect === 'print')).toEqual([]);
      // Never sent silently: the e-mails in flight at the kill wait for the operator, and the takeover resent none.
      expect(mid.emailsStarted.filter((id: string) => !unknownEmails.has(id))).toEqual([]);
      expect(before.smtpMessages).toBe(before.mailsOnce);

      // The operator decides: send each unknown e-mail once.
      if (unknown.length) {
        const resolve = await ctx.admin(survivor, 'POST', `jobs/${JOB}/effects/resolve`, { action: 'send', reason: 'fault drill: no copy of the notice arrived', runKey: RUN_KEY });
        ctx.note(`resolve -> ${resolve.status} ${JSON.stringify(resolve.json).slice(0, 300)}`);
        expect(resolve.status).toBe(200);
      }
      await waitFor('every customer with one e-mail and no unknown effect', async () => {
        const f = await figuresAt();
        const p = await progress(survivor);
        return f.mailsOnce + f.mailsTwice === CUSTOMERS && !p?.unknownEffects && p?.state !== 'running';
      }, 60_000, 200);
      const after = await figuresAt();

      // The same key again: refused, nothing sent.
      const again = await ctx.admin(survivor, 'POST', `jobs/${JOB}/run`, { runKey: RUN_KEY });
      const afterAgain = await figuresAt();
      ctx.note(
        `[drill] mail merge sigkill: customers ${CUSTOMERS}, letters once ${after.lettersOnce}, twice ${after.lettersTwice}, lost ${after.lettersMissing}; ` +
          `e-mails once ${after.mailsOnce}, twice ${after.mailsTwice}, lost ${after.mailsMissing}, smtp messages ${after.smtpMessages} (same Message-ID resent ${after.smtpMessages - after.mailsOnce - after.mailsTwice}); ` +
          `unknown e-mails ${unknownEmails.size}, takeover ${takeoverMs} ms, rerun ${again.status} ${again.json?.code ?? ''}, ${Math.round((Date.now() - started) / 1000)} s`,
      );
      expect(after).toMatchObject({ lettersOnce: CUSTOMERS, lettersTwice: 0, mailsOnce: CUSTOMERS, mailsTwice: 0, mailsMissing: 0 });
      expect(again.status).toBe(409);
      expect(afterAgain).toEqual(after);
    } finally {
      await sink.stop();
    }
  });
});
