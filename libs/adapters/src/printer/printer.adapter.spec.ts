import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { LetterRenderer } from '../mail-merge/letter.renderer';
import { MappingError, PermanentDeliveryError, TransientDeliveryError } from '../adapter.errors';
import { PrinterInstance, printerAdapter, toJobName } from './printer.adapter';
import { runAdapterConformance } from '../testing/adapter-conformance';
import { PrinterOutboundConfig } from './printer.config';
import { CUPS_IPP_URL, ensureCups, pdfToText, printedPdfs, removePrintedPdfs, waitForPrintedPdf } from './testing/cups-pdf';

const logger = { log: () => undefined, error: () => undefined, warn: () => undefined };
const adapterCtx = { instanceName: 'letters', logger, now: () => new Date() };
const sendCtx = (id: string) => ({ idempotencyKey: `${id}:letters`, messageId: id, correlationId: id, type: 'letter.print' });
const create = (outbound: object) => printerAdapter.create({ outbound: plainToInstance(PrinterOutboundConfig, outbound) }, adapterCtx) as PrinterInstance;

const letter = (name: string) =>
  new LetterRenderer({
    template: 'Subject: Test\n\nDear {{name}},\n\nthis is a printer test.',
    templateName: 'test.hbs',
    sender: { name: 'Acme', street: 'Hauptstr. 1', postalCode: '10115', city: 'Berlin' },
  }).render({ recipient: { customerId: 'C1', name, street: 'Am Weg 7', postalCode: '50667', city: 'Köln' }, date: new Date('2026-01-15') });

describe(PrinterInstance.name, () => {
  jest.setTimeout(60_000);

  runAdapterConformance(printerAdapter, {
    validOutbound: [
      { ippUrl: 'ipp://127.0.0.1:1/printers/unreachable', requestTimeoutMs: 2000 },
      { ippUrl: 'ipps://print.example.com:631/printers/letters', jobNameTemplate: 'letter-{{customerId}}-{{run}}', completionTimeoutMs: 0 },
      { spoolDir: '/var/spool/bus/letters' },
    ],
  });

  describe('with CUPS-PDF', () => {
    const runs: string[] = [];
    const newRun = () => {
      const run = randomUUID().slice(0, 8);
      runs.push(run);
      return run;
    };
    beforeAll(() => ensureCups());
    afterAll(() => Promise.all(runs.map((r) => removePrintedPdfs(r))));

    it('should print a PDF through IPP that CUPS-PDF writes to disk under the job title', async () => {
      const run = newRun();
      const sut = create({ ippUrl: CUPS_IPP_URL, jobNameTemplate: 'letter-{{customerId}}-{{messageId}}' });
      const receipt = await sut.send!({ body: await letter('Erika Mustermann'), contentType: 'application/pdf', meta: { customerId: 'C1' } }, sendCtx(run));
      expect(receipt.status).toBe(200);
      const { file, pdf } = await waitForPrintedPdf(`letter-C1-${run}`);
      expect(file).toContain(`letter-C1-${run}`);
      expect(pdfToText(pdf)).toContain('Erika Mustermann');
    });

    it('should print once for a repeated idempotency key', async () => {
      const run = newRun();
      const sut = create({ ippUrl: CUPS_IPP_URL });
      const msg = { body: await letter('Once Only'), contentType: 'application/pdf' };
      const first = await sut.send!(msg, sendCtx(run));
      const second = await sut.send!(msg, sendCtx(run));
      expect(second).toEqual(first);
      await waitForPrintedPdf(`bus-${run}`);
      expect(await printedPdfs(`bus-${run}`)).toHaveLength(1);
      expect(sut.jobFor(`${run}:letters`)?.jobName).toBe(`bus-${run}`);
    });

    it('should find a printed job in the queue by its job name and not find one never sent', async () => {
      const run = newRun();
      const sut = create({ ippUrl: CUPS_IPP_URL, jobNameTemplate: 'lookup-{{messageId}}' });
      await sut.send!({ body: await letter('Looked Up'), contentType: 'application/pdf' }, sendCtx(run));
      await waitForPrintedPdf(`lookup-${run}`);

      const fresh = create({ ippUrl: CUPS_IPP_URL, jobNameTemplate: 'lookup-{{messageId}}' }); // a new process: no memory of the send
      expect(await fresh.lookup(sendCtx(run))).toEqual({ outcome: 'delivered', detail: expect.stringMatching(new RegExp(`job \\d+ \\(lookup-${run}\\) is (completed|processing|pending)`)) });
      expect(await fresh.lookup(sendCtx(`${run}-never`))).toEqual({ outcome: 'absent', detail: expect.stringContaining(`no job lookup-${run}-never`) });
    });

    it('should not claim to know when the job name does not name one send', async () => {
      const sut = create({ ippUrl: CUPS_IPP_URL, jobNameTemplate: 'letter-{{customerId}}' });
      expect((await sut.lookup(sendCtx('x0'), { customerId: 'C1' })).outcome).toBe('unknown');
    });

    it('should report the queue as up', async () => {
      expect(await create({ ippUrl: CUPS_IPP_URL }).checkHealth()).toEqual({ status: 'up' });
    });

    it('should refuse a print to a queue that does not exist as permanent', async () => {
      const sut = create({ ippUrl: 'ipp://127.0.0.1:631/printers/no-such-queue' });
      await expect(sut.send!({ body: await letter('Nobody'), contentType: 'application/pdf' }, sendCtx('x1'))).rejects.toThrow(PermanentDeliveryError);
      expect((await sut.checkHealth()).status).toBe('down');
    });
  });

  it('should report an unreachable IPP server as transient and down', async () => {
    const sut = create({ ippUrl: 'ipp://127.0.0.1:1/printers/bus-pdf', requestTimeoutMs: 2000 });
    await expect(sut.send!({ body: Buffer.from('%PDF-1.3 x'), contentType: 'application/pdf' }, sendCtx('x2'))).rejects.toThrow(TransientDeliveryError);
    expect((await sut.checkHealth()).status).toBe('down');
    await sut.close();
    await sut.close();
  });

  it('should refuse a body that is not a PDF', async () => {
    const sut = create({ spoolDir: '/tmp/unused' });
    await expect(sut.send!({ body: Buffer.from('{}'), contentType: 'application/json' }, sendCtx('x3'))).rejects.toThrow(MappingError);
  });

  describe('with a spool folder', () => {
    let dir: string;
    beforeEach(async () => (dir = await mkdtemp(join(tmpdir(), 'bus-spool-'))));
    afterEach(() => rm(dir, { recursive: true, force: true }));

    it('should write each job once as <job name>.pdf', async () => {
      const sut = create({ spoolDir: dir, jobNameTemplate: 'letter {{customerId}}' });
      const pdf = await letter('Spool Test');
      await sut.send!({ body: pdf, contentType: 'application/pdf', meta: { customerId: 'C/7' } }, sendCtx('s1'));
      await create({ spoolDir: dir, jobNameTemplate: 'letter {{customerId}}' }).send!({ body: pdf, contentType: 'application/pdf', meta: { customerId: 'C/7' } }, sendCtx('s1'));
      expect(await readdir(dir)).toEqual(['letter_C_7.pdf']);
      expect((await readFile(join(dir, 'letter_C_7.pdf'))).equals(pdf)).toBe(true);
      expect(await sut.checkHealth()).toEqual({ status: 'up' });
    });

    it('should find a spooled job by its file and not find one never written', async () => {
      const sut = create({ spoolDir: dir, jobNameTemplate: 'letter-{{customerId}}-{{run}}' });
      await sut.send!({ body: await letter('Spooled'), contentType: 'application/pdf', meta: { customerId: 'C1', run: 'r1' } }, sendCtx('s2'));
      expect((await sut.lookup(sendCtx('s2'), { customerId: 'C1', run: 'r1' })).outcome).toBe('delivered');
      expect((await sut.lookup(sendCtx('s2'), { customerId: 'C2', run: 'r1' })).outcome).toBe('absent');
    });
  });

  it.each([
    ['bus-1234', 'bus-1234'],
    ['letter C/7 Müller', 'letter_C_7_M_ller'],
    ['../../etc/passwd', 'etc_passwd'],
    ['', 'bus-job'],
  ])('should turn job name %p into the safe file name %p', (raw, safe) => {
    expect(toJobName(raw)).toBe(safe);
  });

  it('should reject an empty config and accept ippUrl or spoolDir', () => {
    expect(validateSync(plainToInstance(PrinterOutboundConfig, {}))).not.toEqual([]);
    expect(validateSync(plainToInstance(PrinterOutboundConfig, { ippUrl: 'http://x' }))).not.toEqual([]);
    expect(validateSync(plainToInstance(PrinterOutboundConfig, { ippUrl: CUPS_IPP_URL }))).toEqual([]);
    expect(validateSync(plainToInstance(PrinterOutboundConfig, { spoolDir: '/var/spool/bus' }))).toEqual([]);
  });
});
