import type { DeliveryReceipt, NativeMessage, SendContext } from '@bus/adapters';
import type { MergeRecipient } from '@bus/adapters/mail-merge/merge-recipient';
import { encodeMail } from '@bus/adapters/smtp/smtp.message';
import type { JobEffect, JobEffectKey, JobEffectKind, JobItem, JobStateStore } from './job-state.store';
import { JobTexts } from './job.errors';
import type { JobDestination, MailMergeJob } from './mail-merge.job';

/** Waits between attempts; injected so specs run without real delays. */
export type Sleep = (ms: number) => Promise<void>;

/** Per-run facts every item needs. */
export interface ItemRun {
  job: MailMergeJob;
  runId: string;
  runKey: string;
  pass: number;
  /** Where this pass keeps its item marks (progress). */
  itemsId: string;
  /** What this pass's sends carry as their run (see sendRunOf). */
  sendRun: string;
  letterDate: Date;
  /** This bus instance: the owner written with each `started`. */
  owner: string;
  /** Claim effects that failed, too (retrying failures). */
  retryFailed: boolean;
  /** Keys whose store mark is an in-flight marker right now (see JobTexts.inFlight*). */
  inFlight: Set<string>;
  /** Aborted when the run stops or loses its lease: no new effect is claimed after that. */
  signal?: AbortSignal;
}

/** The two effects of a recipient: what they send, where, and how the item mark calls them. */
const STEPS = {
  print: { type: 'letter.print', what: 'print', mark: 'printed', inFlight: JobTexts.inFlightPrint },
  email: { type: 'notice.email', what: 'e-mail', mark: 'emailed', inFlight: JobTexts.inFlightEmail },
} as const;

/**
 * One recipient through letter → print → notice → e-mail. Each effect is claimed in the store's
 * ledger (`started`, durable) before it is sent and settled (`done` or `failed`) after, so no effect
 * is sent twice for a run key: a claim fails for an effect that is done, unknown or being sent.
 * An effect left `started` by a crash is settled by JobRecovery before the run goes on.
 * Item marks mirror the ledger for progress. Never throws for item problems.
 */
export class JobItemProcessor {
  constructor(private readonly store: JobStateStore, private readonly sleep: Sleep) {}

  async process(run: ItemRun, key: string, recipient: MergeRecipient, done: Pick<JobItem, 'printed' | 'emailed'> | undefined): Promise<void> {
    const { job } = run;
    if (!done?.printed) {
      const letter = async (): Promise<NativeMessage> => ({
        body: await job.letter.render({ recipient, date: run.letterDate, extra: { job: job.name } }),
        contentType: 'application/pdf',
        meta: printMeta(run.job.name, run.sendRun, key),
      });
      if (!(await this.effect(run, key, 'print', job.printer, letter, 'letter'))) return;
    }
    if (!done?.emailed) {
      const notice = async () => encodeMail(job.notice.render(recipient, { job: job.name }));
      await this.effect(run, key, 'email', job.email, notice, 'e-mail');
    }
  }

  /** True when the effect is done (now or earlier); false when the item stops here. */
  private async effect(run: ItemRun, key: string, kind: JobEffectKind, to: JobDestination, build: () => Promise<NativeMessage>, renderWhat: string): Promise<boolean> {
    const step = STEPS[kind];
    let msg: NativeMessage;
    try {
      msg = await build(); // a letter that cannot be rendered never claims its effect
    } catch (error) {
      // A run stopping (shutdown, reload) may close the render threads under a letter: not the
      // letter's fault, so it is left for the run's resume rather than marked failed.
      if (run.signal?.aborted) return false;
      await this.fail(run, key, `${renderWhat}: ${message(error)}`);
      return false;
    }
    // Stopped, shutting down or lease lost: the item's next effect waits for the run's resume.
    if (run.signal?.aborted) return false;
    const effect: JobEffectKey = { job: run.job.name, runKey: run.runKey, recipient: key, effect: kind };
    const claim = await this.store.claimJobEffect(effect, { target: to.system, pass: run.pass, owner: run.owner, retryFailed: run.retryFailed });
    if (!claim.claimed) return this.settled(run, key, claim.effect);
    await this.store.markJobItem(run.itemsId, key, 'failed', step.inFlight);
    run.inFlight.add(key);
    const ctx = sendContext(run.sendRun, key, to, step.type);
    for (let attempt = 1; ; attempt++) {
      let receipt: DeliveryReceipt;
      try {
        receipt = await to.instance.send!(msg, ctx);
      } catch (error) {
        const retryable = (error as { retryable?: boolean }).retryable === true;
        if (retryable && attempt < run.job.attempts) {
          await this.sleep(run.job.retryDelayMs * 2 ** (attempt - 1));
          continue;
        }
        const reason = `${step.what} via ${to.system}: ${message(error)}${retryable ? ` (after ${attempt} attempts)` : ''}`;
        await this.store.transitionJobEffect(effect, ['started'], 'failed', reason);
        await this.fail(run, key, reason);
        return false;
      }
      const detail = kind === 'print' ? `printed (job ${receipt.nativeId ?? '?'})` : `e-mailed (${receipt.nativeId ?? 'sent'})`;
      // The receipt is proof: it wins over an `unknown` or `retry` another instance may have written
      // meanwhile (this one lost its lease while the send was under way).
      await this.store.transitionJobEffect(effect, ['started', 'unknown', 'retry'], 'done', detail);
      await this.mark(run, key, step.mark, detail);
      return true;
    }
  }

  /** The item's mark for an effect this pass did not claim. */
  private async settled(run: ItemRun, key: string, effect: JobEffect): Promise<boolean> {
    const step = STEPS[effect.effect];
    switch (effect.state) {
      case 'done':
        await this.mark(run, key, step.mark, effect.detail ?? `${step.mark} earlier`);
        return true;
      case 'unknown':
        await this.fail(run, key, JobTexts.unknownOutcome(step.what, run.job.name, effect.detail));
        return false;
      case 'failed':
        await this.fail(run, key, effect.detail ?? `${step.what} failed`);
        return false;
      default:
        // `started`: an operator's resolve is sending it right now.
        await this.fail(run, key, JobTexts.effectBusy(step.what, effect.owner));
        return false;
    }
  }

  private async mark(run: ItemRun, key: string, step: 'printed' | 'emailed', detail: string): Promise<void> {
    await this.store.markJobItem(run.itemsId, key, step, detail);
    run.inFlight.delete(key);
  }

  private async fail(run: ItemRun, key: string, reason: string): Promise<void> {
    await this.store.markJobItem(run.itemsId, key, 'failed', reason);
    run.inFlight.delete(key);
  }
}

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** The letter's meta: what the printer's jobNameTemplate sees (`{{customerId}}`, `{{job}}`, `{{run}}`). */
export const printMeta = (job: string, sendRun: string, key: string): NativeMessage['meta'] => ({ customerId: key, job, run: sendRun });

/**
 * Stable across resumes, takeovers and retries of one pass, so the adapters recognise a repeat of the
 * same letter or notice, and a printer can be asked for it by its job name after a crash.
 */
export const sendContext = (sendRun: string, key: string, to: JobDestination, type: string): SendContext => ({
  idempotencyKey: `${sendRun}/${key}/${type}:${to.system}`,
  messageId: `${sendRun}/${key}`,
  correlationId: sendRun,
  type,
});

export const effectType = (kind: JobEffectKind): string => STEPS[kind].type;
