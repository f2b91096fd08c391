import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { plainToInstance } from 'class-transformer';
import type { AdapterInstance, NativeMessage } from '@bus/adapters';
import { printerAdapter } from '@bus/adapters/printer/printer.adapter';
import { PrinterOutboundConfig } from '@bus/adapters/printer/printer.config';
import { CUPS_IPP_URL, ensureCups, printedPdfs, removePrintedPdfs } from '@bus/adapters/printer/testing/cups-pdf';
import { smtpAdapter } from '@bus/adapters/smtp/smtp.adapter';
import { SmtpOutboundConfig } from '@bus/adapters/smtp/smtp.config';
import { SmtpSink } from '@bus/adapters/smtp/testing/smtp-sink';
import { MailMergeJobConfig } from '../src/jobs/job.config';
import { JobRunner } from '../src/jobs/job-runner';
import { createMailMergeJob } from '../src/jobs/mail-merge.job';
import { SqliteStore } from '../src/store/sqlite/sqlite.store';
import { startTestBus, type TestBus } from './support/bus-harness';
import { waitFor } from './support/broker';

/**
 * Run keys and crash takeover through the admin API, with CUPS-PDF and a real SMTP server: a run key
 * that completed sends nothing new; a bus instance that dies mid-merge (here: one that stops writing
 * to the shared store while an e-mail hangs) is taken over by the bus within seconds, the e-mail
 * whose outcome is unknown waits for an operator, and the operator's "send" sends it once.
 */
describe('mail merge run keys and crash takeover (CUPS-PDF, SMTP)', () => {
  jest.setTimeout(120_000);
  const tag = `rk${randomUUID().slice(0, 6)}`;
  const n = 3;
  let sink: SmtpSink;
  let bus: TestBus;
  const job = {
    source: { csv: 'data/customers.csv' },
    letter: { template: 'templates/letter.hbs', sender: { name: 'Acme Telecom GmbH', street: 'Hauptstr. 1', postalCode: '10115', city: 'Berlin' } },
    printer: 'letters',
    notice: { template: 'templates/notice.hbs' },
    email: 'mailer',
    concurrency: 1,
    lockTtlMs: 2000,
    resumeCheckMs: 300,
  };

  beforeAll(async () => {
    ensureCups();
    sink = await new SmtpSink().start();
    const rows = Array.from({ length: n }, (_, i) => `${tag}-${i + 1},Kunde ${i + 1},Weg ${i + 1},5066${i},Köln,DE,c${i + 1}@${tag}.example`);
    bus = await startTestBus({
      files: { 'data/customers.csv': ['customerId,name,street,postalCode,city,country,email', ...rows].join('\n') },
      yaml: `systems:
  letters:
    adapter: printer
    mapper: passthrough
    outbound: { ippUrl: "${CUPS_IPP_URL}", jobNameTemplate: "${tag}-{{customerId}}-{{run}}" }
  mailer:
    adapter: smtp
    mapper: passthrough
    outbound: { host: 127.0.0.1, port: ${sink.port}, from: letters@acme.example }
jobs:
  welcome: ${JSON.stringify(job)}
`,
    });
  });

  afterAll(async () => {
    await bus?.close();
    await sink?.stop();
    await removePrintedPdfs(tag);
  });

  const admin = (path: string, method = 'GET', body?: object) =>
    fetch(`${bus.url}/admin/jobs/${path}`, {
      method,
      headers: { authorization: `Bearer ${bus.adminToken}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    }).then(async (r) => ({ status: r.status, json: await r.json() }));
  const finished = (runKey: string, extra: (p: Record<string, unknown>) => boolean = () => true) =>
    waitFor(`run ${runKey} to finish`, async () => {
      const p = await admin('welcome');
      // `interrupted` may show for a moment on a busy machine (a lease renewal late): it is resumed.
      return p.status === 200 && p.json.runKey === runKey && ['completed', 'failed', 'stopped'].includes(p.json.state) && extra(p.json) ? p.json : undefined;
    }, 60_000);
  const mailsTo = (address: string) => sink.received.filter((m) => m.envelopeTo.includes(address));
  const mails = () => sink.received.filter((m) => m.envelopeTo.every((a) => a.endsWith(`@${tag}.example`)));
  const pdfsOf = async (runKey: string) => (await printedPdfs(tag)).filter((f) => f.includes(`welcome_${runKey}`));

  it('should send nothing new when a completed run key is run again, with or without a key', async () => {
    expect(await admin('welcome/run', 'POST', { runKey: 'r1' })).toMatchObject({ status: 202, json: { started: true, runKey: 'r1', pass: 1 } });
    const done = await finished('r1');
    expect(done).toMatchObject({ state: 'completed', printed: n, emailed: n, effects: { done: 2 * n, unknown: 0 } });
    await waitFor('the letters of r1', async () => ((await pdfsOf('r1')).length === n ? true : undefined), 30_000);
    const mailsBefore = mails().length;

    const again = await admin('welcome/run', 'POST', { runKey: 'r1' });

    expect(again.status).toBe(409);
    expect(again.json).toMatchObject({ code: 'JOB.RUN_KEY_COMPLETED', started: false, runKey: 'r1', completedAt: done.finishedAt });
    expect(again.json.message).toContain(`run key r1 of job welcome completed at ${done.finishedAt}`);

    const today = new Date().toISOString().slice(0, 10);
    expect(await admin('welcome/run', 'POST')).toMatchObject({ status: 202, json: { started: true, runKey: today } });
    await finished(today);
    expect((await admin('welcome/run', 'POST')).json).toMatchObject({ code: 'JOB.RUN_KEY_COMPLETED', runKey: today });
    expect(mails()).toHaveLength(mailsBefore + n);
    expect(await pdfsOf('r1')).toHaveLength(n);
    expect(await admin('welcome/run', 'POST', { runKey: '../r1' })).toMatchObject({ status: 400, json: { code: 'REQUEST.INVALID' } });
    expect(await admin('welcome/effects/resolve', 'POST', { action: 'send', runKey: 'r1' })).toMatchObject({ status: 400, json: { message: expect.stringContaining('reason is required') } });
  });

  it('should take over a run whose instance died, leave the interrupted e-mail to an operator and send it once when told to', async () => {
    const hungAddress = `c2@${tag}.example`;
    const dying = await dyingInstance('email', hungAddress);
    await dying.runner.start('welcome', { runKey: 'crash-1' });
    await waitFor('the dying instance to hang on the e-mail', async () => (dying.hung() ? true : undefined), 60_000);
    await dying.store.close(); // from here on it writes nothing, renews nothing: as dead as a killed process

    const done = await finished('crash-1', (p) => p.unknownEffects === 1);

    expect(done).toMatchObject({ state: 'completed', printed: n, emailed: n - 1, failed: 1, effects: { unknown: 1, done: 2 * n - 1 } });
    expect(done.owner).not.toBe('dying');
    const unknown = await admin('welcome/effects?state=unknown');
    expect(unknown.json.items).toEqual([expect.objectContaining({ runKey: 'crash-1', recipient: `${tag}-2`, effect: 'email', state: 'unknown', owner: 'dying' })]);
    const before = mailsTo(hungAddress).length; // from the first test's runs

    const resolved = await admin('welcome/effects/resolve', 'POST', { action: 'send', reason: 'the customer got no e-mail', effects: [{ runKey: 'crash-1', recipient: `${tag}-2`, effect: 'email' }] });

    expect(resolved).toMatchObject({ status: 200, json: { results: [{ runKey: 'crash-1', recipient: `${tag}-2`, effect: 'email', outcome: 'done' }] } });
    await waitFor('the e-mail the operator sent', async () => (mailsTo(hungAddress).length > before ? true : undefined), 30_000);
    expect(mailsTo(hungAddress)).toHaveLength(before + 1);
    const twice = await admin('welcome/effects/resolve', 'POST', { action: 'send', reason: 'again', effects: [{ runKey: 'crash-1', recipient: `${tag}-2`, effect: 'email' }] });
    expect(twice.json.results[0].outcome).toBe('not-unknown');
    expect(mailsTo(hungAddress)).toHaveLength(before + 1);
    expect(await admin('welcome')).toMatchObject({ json: { runKey: 'crash-1', emailed: n, failed: 0, unknownEffects: 0 } });
    expect(await pdfsOf('crash-1')).toHaveLength(n);
    expect((await admin('welcome/run', 'POST', { runKey: 'crash-1' })).status).toBe(409);
  });

  it.each([
    ['CUPS got it before the instance died: it is not printed again', 'crash-got', true],
    ['CUPS never got it: it is printed once by the instance that took over', 'crash-lost', false],
  ])('should ask CUPS about the letter a dead instance left in flight (%s)', async (_, runKey, afterSend) => {
    const dying = await dyingInstance('printer', `${tag}-2`, afterSend);
    await dying.runner.start('welcome', { runKey });
    await waitFor('the dying instance to hang on the letter', async () => (dying.hung() ? true : undefined), 60_000);
    await dying.store.close();

    const done = await finished(runKey);

    expect(done).toMatchObject({ state: 'completed', printed: n, emailed: n, failed: 0, effects: { done: 2 * n, unknown: 0 } });
    await waitFor(`the letters of ${runKey}`, async () => ((await pdfsOf(runKey)).length >= n ? true : undefined), 30_000);
    expect((await pdfsOf(runKey)).filter((f) => f.includes(`${tag}-2`))).toHaveLength(1);
    expect(await pdfsOf(runKey)).toHaveLength(n);
    const { json } = await admin(`welcome/effects?runKey=${runKey}`);
    const letter = json.items.find((e: { recipient: string; effect: string }) => e.recipient === `${tag}-2` && e.effect === 'print');
    expect(letter.detail).toMatch(afterSend ? /^print found after a crash: printer letters: job \d+ .* is completed/ : /^printed \(job \d+\)/);
  });

  /**
   * A second bus instance on the same store file whose send to `port` for `recipient` never returns;
   * with `afterSend` it hangs only once the destination has the letter or e-mail.
   */
  async function dyingInstance(port: 'printer' | 'email', recipient: string, afterSend = false) {
    const ctx = (instanceName: string) => ({ instanceName, logger: { log: () => undefined, warn: () => undefined, error: () => undefined }, now: () => new Date() });
    const printer = printerAdapter.create({ outbound: plainToInstance(PrinterOutboundConfig, { ippUrl: CUPS_IPP_URL, jobNameTemplate: `${tag}-{{customerId}}-{{run}}` }) }, ctx('letters'));
    const smtp = smtpAdapter.create({ outbound: plainToInstance(SmtpOutboundConfig, { host: '127.0.0.1', port: sink.port, from: 'letters@acme.example' }) }, ctx('mailer'));
    let hung = false;
    const hangFor = (real: AdapterInstance, isTarget: (msg: NativeMessage) => boolean): AdapterInstance => ({
      checkHealth: () => real.checkHealth(),
      send: async (msg, sendCtx) => {
        if (!isTarget(msg)) return real.send!(msg, sendCtx);
        if (afterSend) await real.send!(msg, sendCtx);
        hung = true;
        return new Promise(() => undefined);
      },
    });
    const systems: Record<string, AdapterInstance> = {
      letters: port === 'printer' ? hangFor(printer, (msg) => msg.meta?.customerId === recipient) : printer,
      mailer: port === 'email' ? hangFor(smtp, (msg) => JSON.parse(msg.body.toString()).to?.address === recipient) : smtp,
    };
    const mm = await createMailMergeJob('welcome', plainToInstance(MailMergeJobConfig, job), { configDir: bus.dir, system: (s) => systems[s] });
    const store = new SqliteStore({ filename: join(bus.dir, 'bus.sqlite'), purgeIntervalMs: 0 });
    return { runner: new JobRunner({ store, jobs: new Map([['welcome', mm]]), owner: 'dying' }), store, hung: () => hung };
  }
});
