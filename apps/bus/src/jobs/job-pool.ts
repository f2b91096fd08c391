import type { MergeRecipient } from '@bus/adapters/mail-merge/merge-recipient';
import type { SourceRecord } from './customer-source';
import type { MailMergeJob } from './mail-merge.job';

/** How many records of the job's source its selection picks. */
export async function countSelected(job: MailMergeJob, signal: AbortSignal): Promise<number> {
  let total = 0;
  for await (const { recipient } of job.source.read(signal)) if (await job.selects(recipient)) total++;
  return total;
}

/**
 * `concurrency` workers pull from one iterator of selected records: at most that many letters
 * exist at a time. Stops taking new records once `signal` aborts; in-flight items finish.
 */
export async function runPool(job: MailMergeJob, signal: AbortSignal, work: (r: SourceRecord, seen: Set<string>) => Promise<void>): Promise<void> {
  const seen = new Set<string>();
  // Async generators queue concurrent next() calls, so workers can share one iterator.
  const records = selected(job, job.source.read(signal))[Symbol.asyncIterator]();
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    while (!signal.aborted && !failure) {
      try {
        const { value, done } = await records.next();
        if (done) return;
        await work(value, seen);
      } catch (error) {
        // Only the source or the store get here (item problems are recorded): stop every worker.
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: job.concurrency }, worker));
  if (failure) throw failure.error;
  await records.return?.();
}

async function* selected(job: MailMergeJob, records: AsyncIterable<SourceRecord>): AsyncIterable<SourceRecord> {
  for await (const record of records) if (await job.selects(record.recipient as MergeRecipient)) yield record;
}
