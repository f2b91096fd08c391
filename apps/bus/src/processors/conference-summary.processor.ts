import type { CanonicalEnvelope, PricedUsageRecord } from '@bus/canonical-model';
import { addPriced, markSummarized, summaryDue, tallyKey, toSummary, type ConferenceTally } from '@bus/adapters/enrich';
import { StoreKeyedLock } from '../delivery/store-keyed-lock';
import type { Processor, ProcessorContext, ProcessorOutcome } from './processor';
import type { ConferenceSummaryProcessorConfig } from './processor.config';
import { PARKED_USAGE_NAMESPACE } from './usage-pricing.processor';
import { EXPECTED_RECORDS_NAMESPACE } from './file-usage.counter';

/** What is kept per conference in the kv: the tally, and the conversation the summary belongs to. */
interface OpenConference {
  tally: ConferenceTally;
  correlationId: string;
  /** The last priced record counted; the summary's causation. */
  lastInputId: string;
}

/** A summarized conference is remembered this long, so a late record does not start a second summary. */
const SUMMARIZED_KEPT_MS = 90 * 86_400_000;

/**
 * `kind: conference-summary`: tallies usage.priced per conference in the store's kv and emits one
 * conference.summarized when all its records are in (the files that held them are read to the end, see
 * FileUsageCounter, and each is priced) or the quiet time has passed since its last record; checked
 * after each record and on a timer. Never two: the tally's `summarized` marker, and the summary's dedup key in the store
 * for the crash between publishing and marking.
 */
export class ConferenceSummaryProcessor implements Processor {
  private readonly conferences: StoreKeyedLock;
  private readonly namespace: string;
  private timer?: NodeJS.Timeout;
  private sweeping?: Promise<void>;

  constructor(
    private readonly config: ConferenceSummaryProcessorConfig,
    private readonly ctx: ProcessorContext,
  ) {
    this.namespace = `conference-summary:${ctx.name}`;
    this.conferences = new StoreKeyedLock(ctx.store, this.namespace);
    this.timer = setInterval(() => void this.sweep(), config.checkEvery);
    this.timer.unref();
  }

  async handle(input: CanonicalEnvelope): Promise<ProcessorOutcome> {
    const priced = input.payload as PricedUsageRecord;
    const key = tallyKey(priced);
    // Tallies are read-modify-write: records of one conference are counted one at a time, by every instance.
    const mixed = await this.conferences.run(key, async () => {
      const open = await this.ctx.store.getValue<OpenConference>(this.namespace, key);
      let tally: ConferenceTally;
      try {
        tally = addPriced(open?.tally, priced, this.ctx.now(), this.config.rounding);
      } catch (err) {
        return (err as Error).message;
      }
      const next: OpenConference = { tally, correlationId: open?.correlationId ?? input.correlationId, lastInputId: input.id };
      await this.ctx.store.setValue(this.namespace, key, next, tally.summarized ? SUMMARIZED_KEPT_MS : undefined);
      // Within the same hold: the lock costs two store writes, once per record is enough.
      await this.summarizeIfDueHeld(key);
      return undefined;
    });
    if (mixed) return { kind: 'park', code: 'AGGREGATION.MIXED_CURRENCY', reason: `${this.ctx.name}: message ${input.id}: ${mixed}; correct the contract rates and replay` };
    return { kind: 'done' };
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.sweeping;
  }

  /** A file's expected record counts are in: a conference whose records all arrived is due now. */
  inputComplete(): Promise<void> {
    return this.sweep();
  }

  /** The timer: every open conference whose quiet time has passed gets its summary. */
  sweep(): Promise<void> {
    if (this.sweeping) return this.sweeping;
    this.sweeping = (async () => {
      try {
        const open = await this.ctx.store.listValues<OpenConference>(this.namespace);
        for (const { key, value } of open) if (!value.tally.summarized) await this.summarizeIfDue(key);
      } catch (err) {
        this.ctx.logger.warn(`${this.ctx.name}: checking open conferences failed: ${(err as Error).message}; the next check tries again.`);
      } finally {
        this.sweeping = undefined;
      }
    })();
    return this.sweeping;
  }

  private summarizeIfDue(key: string): Promise<void> {
    return this.conferences.run(key, () => this.summarizeIfDueHeld(key));
  }

  /** Call with the conference's lock held. */
  private async summarizeIfDueHeld(key: string): Promise<void> {
    const open = await this.ctx.store.getValue<OpenConference>(this.namespace, key);
    if (!open || open.tally.summarized) return;
    const expected = await this.ctx.store.getValue<number>(EXPECTED_RECORDS_NAMESPACE, key);
    const tally = expected === null ? open.tally : { ...open.tally, expectedRecords: expected };
    if (!summaryDue(tally, this.ctx.now(), { quietMs: this.config.quietTime, rounding: this.config.rounding })) return;
    if (await this.hasParkedUsage(key)) return;
    await this.ctx.emit({ type: 'conference.summarized', payload: toSummary(open.tally) }, `${this.ctx.name}:${key}`, {
      correlationId: open.correlationId,
      causationId: open.lastInputId,
    });
    await this.ctx.store.setValue(this.namespace, key, { ...open, tally: markSummarized(open.tally) }, SUMMARIZED_KEPT_MS);
  }

  /** A record of this conference that pricing parked would be missing from the summary: wait for its replay. */
  private async hasParkedUsage(key: string): Promise<boolean> {
    const parked = await this.ctx.store.listValues<string>(PARKED_USAGE_NAMESPACE);
    return parked.some((p) => p.value === key);
  }
}
