import type { AdapterInstance, DeliveryReceipt, NativeMessage, SendContext, SendLookup } from '@bus/adapters';
import { PermanentDeliveryError, TransientDeliveryError } from '@bus/adapters';
import { LetterRenderer } from '@bus/adapters/mail-merge/letter.renderer';
import type { MergeRecipient } from '@bus/adapters/mail-merge/merge-recipient';
import { NoticeRenderer } from '@bus/adapters/mail-merge/notice.renderer';
import type { CustomerSource, SourceRecord } from '../customer-source';
import type { MailMergeJob } from '../mail-merge.job';

/** An outbound adapter that records what it was sent; `behaviour` decides per customer. */
export class RecordingOutbound implements AdapterInstance {
  readonly sent: Array<{ customerId: string; ctx: SendContext; msg: NativeMessage }> = [];
  inFlight = 0;
  /** Customers whose send never answers (a process that died mid-call). */
  readonly hung: string[] = [];
  maxInFlight = 0;
  /** Returns an error to throw, 'hang' to never answer, or undefined to accept. */
  behaviour: (customerId: string, attempt: number) => Error | 'hang' | undefined = () => undefined;
  private readonly attempts = new Map<string, number>();
  /** Resolves each time a send is accepted; tests await counts through `waitForSent`. */
  private readonly waiters: Array<{ n: number; resolve: () => void }> = [];

  constructor(private readonly customerOf: (msg: NativeMessage) => string) {}

  async checkHealth() {
    return { status: 'up' as const };
  }

  async send(msg: NativeMessage, ctx: SendContext): Promise<DeliveryReceipt> {
    const customerId = this.customerOf(msg);
    const attempt = (this.attempts.get(customerId) ?? 0) + 1;
    this.attempts.set(customerId, attempt);
    const outcome = this.behaviour(customerId, attempt);
    if (outcome === 'hang') {
      this.hung.push(customerId);
      return new Promise(() => undefined);
    }
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    await new Promise((r) => setImmediate(r));
    this.inFlight--;
    if (outcome) throw outcome;
    this.sent.push({ customerId, ctx, msg });
    for (const w of [...this.waiters]) if (this.sent.length >= w.n) (this.waiters.splice(this.waiters.indexOf(w), 1), w.resolve());
    return { status: 200, nativeId: `${customerId}-${this.sent.length}` };
  }

  waitForSent(n: number): Promise<void> {
    if (this.sent.length >= n) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ n, resolve }));
  }

  customers(): string[] {
    return this.sent.map((s) => s.customerId);
  }

  /** How often `send` was called for a customer (answered or not). */
  calls(customerId: string): number {
    return this.attempts.get(customerId) ?? 0;
  }
}

/**
 * A printer that can be asked after a crash whether a letter arrived (as CUPS's job list can):
 * it knows what it accepted plus `arrived`, the hung sends it did get before the caller died.
 */
export class CheckableOutbound extends RecordingOutbound {
  readonly arrived = new Set<string>();
  readonly lookups: string[] = [];
  /** Set to make the printer unreachable for lookups. */
  unreachable = false;

  async lookup(ctx: SendContext, meta?: NativeMessage['meta']): Promise<SendLookup> {
    const customerId = String(meta?.customerId);
    this.lookups.push(customerId);
    if (this.unreachable) return { outcome: 'unknown', detail: 'printer unreachable' };
    const found = this.arrived.has(customerId) || this.sent.some((s) => s.ctx.idempotencyKey === ctx.idempotencyKey);
    return found ? { outcome: 'delivered', detail: `job for ${customerId}` } : { outcome: 'absent', detail: `no job for ${customerId}` };
  }
}

export const transient = () => new TransientDeliveryError('451 try again later');
export const permanent = (text: string) => new PermanentDeliveryError(text);

/** Customers from an array; counts how often it was read. */
export class ArraySource implements CustomerSource {
  readonly description = 'array';
  reads = 0;
  constructor(public records: MergeRecipient[]) {}
  async *read(): AsyncIterable<SourceRecord> {
    this.reads++;
    for (const [i, recipient] of this.records.entries()) yield { recipient, position: `item ${i}` };
  }
}

export const customers = (n: number, extra: Partial<MergeRecipient> = {}): MergeRecipient[] =>
  Array.from({ length: n }, (_, i) => ({
    customerId: `C${String(i + 1).padStart(3, '0')}`,
    name: `Customer ${i + 1}`,
    street: `Street ${i + 1}`,
    postalCode: '10115',
    city: 'Berlin',
    email: `c${i + 1}@example.com`,
    status: i % 2 === 0 ? 'active' : 'inactive',
    ...extra,
  }));

/** A job with real renderers and recording outbound ports. */
export function fakeJob(source: CustomerSource, overrides: Partial<MailMergeJob> = {}) {
  const printer = new CheckableOutbound((msg) => String(msg.meta?.customerId));
  const email = new RecordingOutbound((msg) => /\(([^)]+)\)/.exec(String(JSON.parse(msg.body.toString()).text))?.[1] ?? '?');
  const job: MailMergeJob = {
    name: 'letters',
    source,
    selects: async () => true,
    letter: new LetterRenderer({ template: 'Dear {{name}},\n\nyour letter.', templateName: 'letter.hbs', sender: { name: 'Acme', street: 'Hauptstr. 1', postalCode: '10115', city: 'Berlin' } }),
    notice: new NoticeRenderer({ template: 'Subject: Letter for {{name}}\n\nDear {{name}}, a letter ({{customerId}}) is on its way.', templateName: 'notice.hbs' }),
    printer: { system: 'printer', instance: printer },
    email: { system: 'mailer', instance: email },
    concurrency: 2,
    attempts: 3,
    retryDelayMs: 0,
    lockTtlMs: 60_000,
    resumeCheckMs: 0,
    ...overrides,
  };
  return { job, printer, email };
}

/** Resolves once `condition` holds, checking after each turn of the event loop; rejects after `timeoutMs`. */
export async function until(condition: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setImmediate(r));
  }
}
