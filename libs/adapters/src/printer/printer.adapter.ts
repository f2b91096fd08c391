import Handlebars from 'handlebars';
import { defineAdapter, type AdapterContext, type AdapterHealth, type AdapterInstance, type DeliveryReceipt, type NativeMessage, type SendContext, type SendLookup } from '../adapter';
import { MappingError, PermanentDeliveryError, TransientDeliveryError } from '../adapter.errors';
import { IppPrinterClient, IppStatusError, type PrintJobStatus, SpoolFolderClient } from './printer.client';
import { PrinterOutboundConfig } from './printer.config';

/** Idempotency keys remembered per instance; the job runner's item state covers restarts. */
const REMEMBERED_KEYS = 10_000;
const FINAL_STATES = new Set(['completed', 'canceled', 'aborted']);
/** A job name names one send only when the template uses the send's own ids (or the mail merge's run and customer). */
const NAMES_THE_SEND = (template: string) =>
  /\{\{\s*(messageId|idempotencyKey)\s*\}\}/.test(template) || (/\{\{\s*run\s*\}\}/.test(template) && /\{\{\s*customerId\s*\}\}/.test(template));

/** Job names become CUPS titles and CUPS-PDF file names: keep them to safe characters. */
export const toJobName = (raw: string): string => raw.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^[._]+/, '').slice(0, 120) || 'bus-job';

/** What the printer adapter remembers per idempotency key. */
export interface PrintedJob {
  jobName: string;
  receipt: DeliveryReceipt;
}

export class PrinterInstance implements AdapterInstance {
  private readonly printed = new Map<string, PrintedJob>();
  private readonly jobName: Handlebars.TemplateDelegate;

  constructor(
    private readonly config: PrinterOutboundConfig,
    private readonly ipp: IppPrinterClient | undefined,
    private readonly spool: SpoolFolderClient | undefined,
    private readonly ctx: AdapterContext,
    /** Waits between job-state polls; injectable so specs need no timers. */
    private readonly pause: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
  ) {
    this.jobName = Handlebars.compile(config.jobNameTemplate, { noEscape: true });
  }

  /** The job name a send with this key got, if this instance printed it. */
  jobFor(idempotencyKey: string): PrintedJob | undefined {
    return this.printed.get(idempotencyKey);
  }

  async checkHealth(): Promise<AdapterHealth> {
    const where = `printer ${this.ctx.instanceName}`;
    if (this.spool) {
      return (await this.spool.writable()) ? { status: 'up' } : { status: 'down', detail: `${where}: spool folder ${this.config.spoolDir} is not writable` };
    }
    try {
      const s = await this.ipp!.printerStatus();
      if (s.state === 'stopped' || !s.acceptingJobs) {
        return { status: 'down', detail: `${where}: ${this.config.ippUrl} is ${s.state}${s.acceptingJobs ? '' : ', not accepting jobs'} (${s.reasons}${s.message ? `: ${s.message}` : ''}); run cupsenable/cupsaccept` };
      }
      return { status: 'up' };
    } catch (error) {
      return { status: 'down', detail: `${where}: ${this.config.ippUrl}: ${(error as Error).message}` };
    }
  }

  async send(msg: NativeMessage, ctx: SendContext): Promise<DeliveryReceipt> {
    const known = this.printed.get(ctx.idempotencyKey);
    if (known) return known.receipt;
    if (!/^application\/pdf\b/.test(msg.contentType)) {
      throw new MappingError(`printer ${this.ctx.instanceName}: message ${ctx.messageId} is ${msg.contentType}, the printer takes application/pdf`);
    }
    const jobName = this.jobNameOf(ctx, msg.meta);
    const receipt = this.spool ? await this.toSpool(msg.body, jobName) : await this.toIpp(msg.body, jobName, ctx);
    this.printed.set(ctx.idempotencyKey, { jobName, receipt });
    if (this.printed.size > REMEMBERED_KEYS) this.printed.delete(this.printed.keys().next().value as string);
    return receipt;
  }

  /**
   * Whether the send with this context reached the printer: its job name in the queue's list of all
   * jobs (IPP Get-Jobs), or its file in the spool folder. Not in the list counts as not printed, as
   * long as CUPS keeps its job history (PreserveJobHistory, the default) for longer than a takeover
   * takes. `unknown` when the job name does not name one send, a job name is kept private, or the
   * printer cannot be asked.
   */
  async lookup(ctx: SendContext, meta?: NativeMessage['meta']): Promise<SendLookup> {
    const jobName = this.jobNameOf(ctx, meta);
    if (!NAMES_THE_SEND(this.config.jobNameTemplate)) {
      return { outcome: 'unknown', detail: `printer ${this.ctx.instanceName}: jobNameTemplate "${this.config.jobNameTemplate}" does not name one send (add {{messageId}}), so the printer cannot be asked for ${jobName}` };
    }
    try {
      if (this.spool) {
        return (await this.spool.has(jobName))
          ? { outcome: 'delivered', detail: `${jobName}.pdf is in ${this.config.spoolDir}` }
          : { outcome: 'absent', detail: `${jobName}.pdf is not in ${this.config.spoolDir}` };
      }
      const jobs = await this.ipp!.listJobs();
      const job = jobs.find((j) => j.name === jobName);
      if (job && (job.state === 'canceled' || job.state === 'aborted')) {
        return { outcome: 'unknown', detail: `printer ${this.ctx.instanceName}: job ${job.jobId} (${jobName}) was ${job.state}; check whether it came out` };
      }
      if (job) return { outcome: 'delivered', detail: `printer ${this.ctx.instanceName}: job ${job.jobId} (${jobName}) is ${job.state}` };
      // Another user's private job cannot be ours: we always print as requestingUserName.
      const hidden = jobs.filter((j) => j.name === undefined && (j.user === undefined || j.user === this.config.requestingUserName)).length;
      if (hidden > 0) return { outcome: 'unknown', detail: `printer ${this.ctx.instanceName}: ${hidden} job names are private, so ${jobName} cannot be looked for` };
      return { outcome: 'absent', detail: `printer ${this.ctx.instanceName}: no job ${jobName} among its ${jobs.length} jobs` };
    } catch (error) {
      return { outcome: 'unknown', detail: `printer ${this.ctx.instanceName}: cannot list jobs on ${this.config.ippUrl ?? this.config.spoolDir}: ${(error as Error).message}` };
    }
  }

  async close(): Promise<void> {
    // IPP requests are one-shot HTTP calls; nothing stays open.
  }

  private jobNameOf(ctx: SendContext, meta?: NativeMessage['meta']): string {
    return toJobName(this.jobName({ ...(meta ?? {}), messageId: ctx.messageId, idempotencyKey: ctx.idempotencyKey, type: ctx.type }));
  }

  private async toSpool(pdf: Buffer, jobName: string): Promise<DeliveryReceipt> {
    try {
      const { path } = await this.spool!.write(pdf, jobName);
      return { status: 201, nativeId: path };
    } catch (error) {
      throw new TransientDeliveryError(`printer ${this.ctx.instanceName}: cannot write ${jobName}.pdf to ${this.config.spoolDir}: ${(error as Error).message}`, undefined, { cause: error });
    }
  }

  private async toIpp(pdf: Buffer, jobName: string, ctx: SendContext): Promise<DeliveryReceipt> {
    const what = `printer ${this.ctx.instanceName}: job ${jobName} (message ${ctx.messageId}) on ${this.config.ippUrl}`;
    let job: PrintJobStatus;
    try {
      job = await this.ipp!.printPdf(pdf, jobName);
    } catch (error) {
      throw classify(error, what);
    }
    // Once CUPS has queued the job it will print it: from here on never ask for a retry,
    // or the letter would come out twice. Only a job CUPS gave up on is an error.
    const deadline = Date.now() + this.config.completionTimeoutMs;
    let delay = 100;
    while (!FINAL_STATES.has(job.state) && Date.now() < deadline) {
      await this.pause(delay);
      delay = Math.min(delay * 2, 1000);
      try {
        job = await this.ipp!.jobStatus(job.jobId);
      } catch (error) {
        this.ctx.logger.warn?.(`${what}: job state unknown: ${(error as Error).message}`);
        break;
      }
    }
    if (job.state === 'aborted' || job.state === 'canceled') {
      throw new PermanentDeliveryError(`${what} ${job.state} by the printer (${job.reasons}${job.message ? `: ${job.message}` : ''}); check the printer, then retry`);
    }
    return { status: job.state === 'completed' ? 200 : 202, nativeId: String(job.jobId) };
  }
}

function classify(error: unknown, what: string): Error {
  if (error instanceof IppStatusError) {
    // client-error-*: wrong queue, format or permissions; server-error-*: busy or not accepting jobs.
    return error.statusCode.startsWith('client-error')
      ? new PermanentDeliveryError(`${what}: ${error.message}`, undefined, { cause: error })
      : new TransientDeliveryError(`${what}: ${error.message}`, undefined, { cause: error });
  }
  return new TransientDeliveryError(`${what}: ${(error as Error).message}`, undefined, { cause: error });
}

export const printerAdapter = defineAdapter<object, PrinterOutboundConfig>({
  id: 'printer',
  summary: 'Prints PDFs through IPP to a CUPS queue, or drops them in a spool folder where no CUPS is configured.',
  capabilities: { outbound: { idempotent: true }, maturity: 'beta' },
  config: { outbound: PrinterOutboundConfig },
  create: (config, ctx) => {
    const c = config.outbound;
    if (!c) throw new Error(`printer ${ctx.instanceName}: an outbound: section with ippUrl or spoolDir is required`);
    const ipp = c.ippUrl ? new IppPrinterClient(c.ippUrl, c.requestingUserName, c.requestTimeoutMs) : undefined;
    const spool = !ipp && c.spoolDir ? new SpoolFolderClient(c.spoolDir) : undefined;
    return new PrinterInstance(c, ipp, spool, ctx);
  },
});
