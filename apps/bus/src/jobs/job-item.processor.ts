import type { DeliveryReceipt, NativeMessage, SendContext } from '@bus/adapters';
import type { MergeRecipient } from '@bus/adapters/mail-merge/merge-recipient';
import { encodeMail } from '@bus/adapters/smtp/smtp.message';
import type { JobItem, JobStateStore } from './job-state.store';
import { JobTexts } from './job.errors';
import type { JobDestination, MailMergeJob } from './mail-merge.job';

/** Waits between attempts; injected so specs run without real delays. */
export type Sleep = (ms: number) => Promise<void>;

/** Per-run facts every item needs. */
export interface ItemRun {
  job: MailMergeJob;
  runId: string;
  letterDate: Date;
  /** Keys whose store mark is an in-flight marker right now (see JobTexts.inFlight*). */
  inFlight: Set<string>;
}

/**
 * One recipient through letter → print → notice → e-mail. Every step is recorded in the store
 * before and after the side effect, so a stopped or crashed run never repeats one:
 * before printing the item is marked failed with "interrupted while printing"; the `printed` mark
 * clears that. If the process dies in between, the item stays reported as uncertain rather than
 * being printed twice; an operator retries it on purpose. Never throws for item problems.
 */
export class JobItemProcessor {
  constructor(private readonly store: JobStateStore, private readonly sleep: Sleep) {}

  async process(run: ItemRun, key: string, recipient: MergeRecipient, done: Pick<JobItem, 'printed' | 'emailed'> | undefined): Promise<void> {
    const { job, runId } = run;
    if (!done?.printed) {
      let pdf: Buffer;
      try {
        pdf = await job.letter.render({ recipient, date: run.letterDate, extra: { job: job.name } });
      } catch (error) {
        return this.fail(run, key, `letter: ${message(error)}`);
      }
      const msg: NativeMessage = { body: pdf, contentType: 'application/pdf', meta: { customerId: key, job: job.name, run: runId } };
      const ok = await this.step(run, key, JobTexts.inFlightPrint, 'print', job.printer, msg, sendContext(runId, key, job.printer, 'letter.print'));
      if (!ok) return;
      await this.mark(run, key, 'printed', `printed (job ${ok.nativeId ?? '?'})`);
    }
    if (!done?.emailed) {
      let mail: NativeMessage;
      try {
        mail = encodeMail(job.notice.render(recipient, { job: job.name }));
      } catch (error) {
        return this.fail(run, key, `e-mail: ${message(error)}`);
      }
      const ok = await this.step(run, key, JobTexts.inFlightEmail, 'e-mail', job.email, mail, sendContext(runId, key, job.email, 'notice.email'));
      if (!ok) return;
      await this.mark(run, key, 'emailed', `e-mailed (${ok.nativeId ?? 'sent'})`);
    }
  }

  /** Marks the item in flight, sends with attempts on transient errors; undefined when it failed. */
  private async step(run: ItemRun, key: string, inFlightText: string, what: string, to: JobDestination, msg: NativeMessage, ctx: SendContext): Promise<DeliveryReceipt | undefined> {
    await this.store.markJobItem(run.runId, key, 'failed', inFlightText);
    run.inFlight.add(key);
    for (let attempt = 1; ; attempt++) {
      try {
        return await to.instance.send!(msg, ctx);
      } catch (error) {
        const retryable = (error as { retryable?: boolean }).retryable === true;
        if (!retryable || attempt >= run.job.attempts) {
          const after = retryable ? ` (after ${attempt} attempts)` : '';
          await this.fail(run, key, `${what} via ${to.system}: ${message(error)}${after}`);
          return undefined;
        }
        await this.sleep(run.job.retryDelayMs * 2 ** (attempt - 1));
      }
    }
  }

  private async mark(run: ItemRun, key: string, step: 'printed' | 'emailed', detail: string): Promise<void> {
    await this.store.markJobItem(run.runId, key, step, detail);
    run.inFlight.delete(key);
  }

  private async fail(run: ItemRun, key: string, reason: string): Promise<void> {
    await this.store.markJobItem(run.runId, key, 'failed', reason);
    run.inFlight.delete(key);
  }
}

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** Stable across resumes and retries, so the adapters recognise a repeat of the same letter or notice. */
const sendContext = (runId: string, key: string, to: JobDestination, type: string): SendContext => ({
  idempotencyKey: `${runId}/${key}/${type}:${to.system}`,
  messageId: `${runId}/${key}`,
  correlationId: runId,
  type,
});
