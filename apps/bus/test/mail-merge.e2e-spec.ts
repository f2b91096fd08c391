import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import type { AdapterInstance } from '@bus/adapters';
import { printerAdapter } from '@bus/adapters/printer/printer.adapter';
import { PrinterOutboundConfig } from '@bus/adapters/printer/printer.config';
import { CUPS_IPP_URL, ensureCups, pdfToText, printedPdfs, removePrintedPdfs, waitForPrintedPdf } from '@bus/adapters/printer/testing/cups-pdf';
import { smtpAdapter } from '@bus/adapters/smtp/smtp.adapter';
import { SmtpOutboundConfig } from '@bus/adapters/smtp/smtp.config';
import { SmtpSink } from '@bus/adapters/smtp/testing/smtp-sink';
import { startSales, type RunningSales } from '../../demo-systems/src/sales/sales.server';
import { httpGetJson } from '../src/jobs/http-customer.source';
import { MailMergeJobConfig } from '../src/jobs/job.config';
import { JobRunner } from '../src/jobs/job-runner';
import { JobScheduler } from '../src/jobs/job-scheduler';
import { createMailMergeJob } from '../src/jobs/mail-merge.job';
import { SqliteStore } from '../src/store/sqlite/sqlite.store';

// Real CUPS with the CUPS-PDF queue (started by scripts/ci/start-cups.sh, which ensureCups() runs),
// a real SMTP server on loopback, the sales stand-in over HTTP and the embedded SQLite store.
jest.setTimeout(120_000);

const CONFIG_DIR = resolve(__dirname, '../../../config');
const logger = { log: () => undefined, warn: () => undefined, error: () => undefined };
const SALES_MAPPING = `records.{ 'customerId': Id, 'name': Name, 'street': BillingStreet, 'postalCode': BillingPostalCode,
  'city': BillingCity, 'country': BillingCountry, 'email': Email__c, 'status': Status__c }`;

describe('mail merge (CUPS-PDF, SMTP, sales stand-in)', () => {
  let sink: SmtpSink;
  let sales: RunningSales;
  let dir: string;
  let printer: AdapterInstance;
  let mailer: AdapterInstance;
  const stores: SqliteStore[] = [];
  const tags: string[] = [];

  beforeAll(async () => {
    ensureCups();
    sink = await new SmtpSink().start();
    sales = await startSales();
    dir = await mkdtemp(join(tmpdir(), 'bus-mail-merge-'));
    const ctx = (instanceName: string) => ({ instanceName, logger, now: () => new Date() });
    printer = printerAdapter.create({ outbound: plainToInstance(PrinterOutboundConfig, { ippUrl: CUPS_IPP_URL }) }, ctx('letters'));
    mailer = smtpAdapter.create({ outbound: plainToInstance(SmtpOutboundConfig, { host: '127.0.0.1', port: sink.port, from: 'letters@acme.example' }) }, ctx('mailer'));
  });

  afterAll(async () => {
    await Promise.all(tags.map((t) => removePrintedPdfs(t)));
    await mailer?.close?.();
    await sink?.stop();
    await sales?.close();
    for (const s of stores) await s.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** A unique job name per test; it is part of every CUPS job title and of every e-mail domain. */
  const newTag = () => {
    const tag = `mm${randomUUID().slice(0, 6)}`;
    tags.push(tag);
    return tag;
  };
  const store = (file = ':memory:') => {
    const s = new SqliteStore({ filename: file, purgeIntervalMs: 0 });
    stores.push(s);
    return s;
  };
  const jobConfig = (raw: object) => {
    const config = plainToInstance(MailMergeJobConfig, raw);
    expect(validateSync(config)).toEqual([]);
    return config;
  };
  const baseConfig = (source: object, extra: object = {}) => ({
    source,
    letter: { template: 'templates/letter.hbs', sender: { name: 'Acme Telecom GmbH', street: 'Hauptstr. 1', postalCode: '10115', city: 'Berlin' } },
    printer: 'letters',
    notice: { template: 'templates/notice.hbs' },
    email: 'mailer',
    retryDelayMs: 10,
    ...extra,
  });
  const deps = {
    configDir: CONFIG_DIR,
    system: (name: string) => ({ letters: printer, mailer })[name],
    fetchFromSystem: (system: string, query: string, signal?: AbortSignal) => httpGetJson(`${sales.url}${query}`)(signal),
  };
  const mailsTo = (tag: string) => sink.received.filter((m) => m.envelopeTo.every((a) => a.endsWith(`@${tag}.example`)));
  const writeCsv = async (tag: string, n: number) => {
    const path = join(dir, `${tag}.csv`);
    const rows = Array.from({ length: n }, (_, i) => `C${i + 1},Kunde ${tag} Nr${i + 1},Weg ${i + 1},5066${i % 10},Köln,,c${i + 1}@${tag}.example`);
    await writeFile(path, ['customerId,name,street,postalCode,city,country,email', ...rows].join('\n'));
    return path;
  };
  /** Each PDF with the job's tag in its name, read back as text. */
  const printedTexts = async (tag: string, expected: number) => {
    const files = await printedPdfs(tag);
    expect(files).toHaveLength(expected);
    return Promise.all(files.map(async (f) => pdfToText((await waitForPrintedPdf(f)).pdf)));
  };

  it('should print and e-mail the selected sales customers and report bad addresses while the rest complete', async () => {
    const tag = newTag();
    const account = (n: number, email: string, status = 'Active') =>
      sales.store.createAccount({ Name: `Firma ${tag} ${n}`, BillingStreet: `Ring ${n}`, BillingPostalCode: `1011${n}`, BillingCity: 'Berlin', Email__c: email, Status__c: status });
    account(1, `a1@${tag}.example`);
    account(2, `a2@${tag}.example`);
    const refused = account(3, `refuse-a3@${tag}.example`);
    const malformed = account(4, 'a4 at example');
    account(5, `a5@${tag}.example`, 'Inactive');
    const job = await createMailMergeJob(tag, jobConfig(baseConfig({ system: 'sales', query: '/accounts', mapping: SALES_MAPPING }, { selection: `status = 'Active' and $contains(name, '${tag}')` })), deps);
    const sut = new JobRunner({ store: store(), jobs: new Map([[tag, job]]), owner: 'bus-a' });

    const progress = await sut.run(tag);

    expect(progress).toMatchObject({ state: 'completed', total: 4, printed: 4, emailed: 2, failed: 2 });
    const texts = await printedTexts(tag, 4);
    for (const n of [1, 2, 3, 4]) expect(texts.filter((t) => t.includes(`Firma ${tag} ${n}`))).toHaveLength(1);
    expect(texts.some((t) => t.includes('Ring 1') && t.includes('10111 Berlin'))).toBe(true);
    const mails = mailsTo(tag);
    expect(mails.map((m) => m.envelopeTo[0]).sort()).toEqual([`a1@${tag}.example`, `a2@${tag}.example`]);
    expect(mails[0].parsed.subject).toMatch(new RegExp(`^A letter from us is on its way, Firma ${tag} [12]$`));
    expect(progress?.failures).toEqual(
      expect.arrayContaining([
        { customerId: refused.Id, printed: true, reason: expect.stringMatching(new RegExp(`refuse-a3@${tag}.example.*550`)) },
        { customerId: malformed.Id, printed: true, reason: expect.stringMatching(/not a valid e-mail address/) },
      ]),
    );
  });

  it('should resume an interrupted run without printing or e-mailing anyone twice', async () => {
    const tag = newTag();
    const n = 8;
    const job = await createMailMergeJob(tag, jobConfig(baseConfig({ csv: await writeCsv(tag, n) }, { concurrency: 1 })), deps);
    const sut = new JobRunner({ store: store(), jobs: new Map([[tag, job]]), owner: 'bus-a' });

    const first = await sut.start(tag);
    // The first letter waits for a render thread to start; under ts-jest it loads TypeScript first.
    await sink.waitFor(sink.received.length + 3, 60_000);
    sut.stop(tag);
    const stopped = await first.finished;
    expect(stopped?.state).toBe('stopped');
    expect(stopped!.emailed).toBeLessThan(n);
    const resumed = await sut.run(tag);

    expect(resumed).toMatchObject({ state: 'completed', runId: stopped!.runId, total: n, printed: n, emailed: n, failed: 0 });
    const texts = await printedTexts(tag, n);
    for (let i = 1; i <= n; i++) expect(texts.filter((t) => t.includes(`Kunde ${tag} Nr${i}\n`))).toHaveLength(1);
    const recipients = mailsTo(tag).map((m) => m.envelopeTo[0]);
    expect(recipients.sort()).toEqual(Array.from({ length: n }, (_, i) => `c${i + 1}@${tag}.example`).sort());
  });

  it('should run a scheduled job on only one of two bus instances sharing the store', async () => {
    const tag = newTag();
    const n = 3;
    const file = join(dir, `${tag}.sqlite`);
    const config = jobConfig(baseConfig({ csv: await writeCsv(tag, n) }, { schedule: '0 6 * * *' }));
    const instances = await Promise.all(
      ['bus-a', 'bus-b'].map(async (owner) => {
        const job = await createMailMergeJob(tag, config, deps);
        const runner = new JobRunner({ store: store(file), jobs: new Map([[tag, job]]), owner });
        return { runner, scheduler: new JobScheduler(runner, [{ name: tag, schedule: job.schedule! }]) };
      }),
    );
    const slot = new Date('2026-11-30T06:00:00Z');

    await Promise.all(instances.map((i) => i.scheduler.tick(tag, slot)));

    const progress = await instances[1].runner.progress(tag);
    expect(progress).toMatchObject({ state: 'completed', printed: n, emailed: n });
    expect(await printedPdfs(tag)).toHaveLength(n);
    expect(mailsTo(tag)).toHaveLength(n);
  });
});
