import { randomUUID } from 'node:crypto';
import { ensureCups, pdfToText, printedPdfs, removePrintedPdfs, CUPS_IPP_URL, CUPS_PDF_DIR } from '@bus/adapters/printer/testing/cups-pdf';
import { SmtpSink } from '@bus/adapters/smtp/testing/smtp-sink';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startTestBus, type TestBus } from './support/bus-harness';
import { waitFor } from './support/broker';

/** The operator's view of a mail merge: configured in bus.yaml, started and watched over the admin API. */
describe('mail merge through the admin API (CUPS-PDF, SMTP)', () => {
  let sink: SmtpSink;
  let bus: TestBus;
  const tag = `adm${randomUUID().slice(0, 6)}`;

  beforeAll(async () => {
    ensureCups();
    sink = await new SmtpSink().start();
    const csv = [
      'customerId,name,street,postalCode,city,country,email,status',
      `${tag}-1,Erika Mustermann,Heidestr. 17,51147,Köln,DE,erika@${tag}.example,active`,
      `${tag}-2,Max Muster,Am Markt 3,04109,Leipzig,DE,not-an-address,active`,
      `${tag}-3,Jana Novak,Ringstr. 9,80331,München,DE,jana@${tag}.example,active`,
      `${tag}-4,Paused Person,Weg 1,10115,Berlin,DE,paused@${tag}.example,paused`,
    ].join('\n');
    bus = await startTestBus({
      files: { 'data/customers.csv': csv },
      yaml: `systems:
  letters:
    adapter: printer
    mapper: passthrough
    outbound: { ippUrl: "${CUPS_IPP_URL}", jobNameTemplate: "${tag}-{{customerId}}" }
  mailer:
    adapter: smtp
    mapper: passthrough
    outbound: { host: 127.0.0.1, port: ${sink.port}, from: letters@acme.example }
jobs:
  welcome:
    source: { csv: data/customers.csv }
    selection: "status = 'active'"
    letter:
      template: templates/letter.hbs
      sender: { name: Acme Telecom GmbH, street: Hauptstr. 1, postalCode: "10115", city: Berlin }
    printer: letters
    notice: { template: templates/notice.hbs }
    email: mailer
`,
    });
  });

  afterAll(async () => {
    await bus?.close();
    await sink?.stop();
    await removePrintedPdfs(tag);
  });

  const admin = (path: string, method = 'GET') =>
    fetch(`${bus.url}/admin/jobs/${path}`, { method, headers: { authorization: `Bearer ${bus.adminToken}` } }).then(async (r) => ({ status: r.status, json: await r.json() }));

  it('should print a letter and e-mail each selected customer, and report the bad address while the rest complete', async () => {
    const start = await admin('welcome/run', 'POST');
    expect(start.status).toBe(202);
    expect(start.json.started).toBe(true);

    const done = await waitFor('the job to finish', async () => {
      const p = await admin('welcome');
      return p.status === 200 && p.json.state !== 'running' ? p.json : undefined;
    }, 60_000);

    expect(done).toEqual(expect.objectContaining({ state: 'completed', total: 3, printed: 3, emailed: 2, failed: 1 }));
    expect(done.failures).toEqual([expect.objectContaining({ customerId: `${tag}-2`, reason: expect.stringContaining('not-an-address') })]);
    const pdfs = await printedPdfs(tag);
    expect(pdfs).toHaveLength(3);
    const texts = await Promise.all(pdfs.map(async (f) => pdfToText(await readFile(join(CUPS_PDF_DIR, f)))));
    expect(texts.join('\n')).toEqual(expect.stringContaining('Erika Mustermann'));
    expect(texts.join('\n')).toEqual(expect.stringContaining('80331 München'));
    const mails = sink.received.filter((m) => m.envelopeTo.some((t) => t.endsWith(`@${tag}.example`)));
    expect(mails.map((m) => m.envelopeTo[0]).sort()).toEqual([`erika@${tag}.example`, `jana@${tag}.example`]);
  });

  it('should answer 404 for a job that is not configured', async () => {
    const res = await admin('nope/run', 'POST');

    expect(res.status).toBe(404);
    expect(res.json.message).toContain('unknown job "nope"');
  });
});
