import type { JobEffectKey, JobEffectKind, JobStateStore } from './job-state.store';
import type { JobRunner } from './job-runner';
import { JobTexts } from './job.errors';
import { runIdOf } from './run-key';

/** One effect an operator names: its run key, recipient and effect. */
export type EffectRef = Pick<JobEffectKey, 'runKey' | 'recipient' | 'effect'>;

/** `send`: send it (once) now; `done`: the operator saw it arrive, mark it done. */
export type ResolveAction = 'send' | 'done';

export interface ResolveRequest {
  action: ResolveAction;
  /** Why, in the operator's words; kept in the ledger's detail. */
  reason: string;
  /** The effects; or `runKey` for every unknown effect of that run key. */
  effects?: EffectRef[];
  runKey?: string;
}

/** What became of one effect: its ledger state after the resolve, or `not-unknown` when it was not unknown. */
export interface ResolveResult extends EffectRef {
  outcome: 'done' | 'failed' | 'retry' | 'unknown' | 'started' | 'not-unknown';
  detail?: string;
}

/**
 * An operator's decision on effects of unknown outcome (an e-mail a crash interrupted, a letter the
 * printer could not be asked about). Each effect moves out of `unknown` by compare-and-set, so two
 * operators never both send it; `send` puts it to `retry` and processes the recipient again, which
 * claims the effect and sends it once, then sends the e-mail a resolved letter was holding back.
 * Runs under the job's lease, so no run's recovery interferes.
 */
export class JobEffectResolver {
  constructor(private readonly runner: JobRunner, private readonly store: JobStateStore) {}

  async resolve(name: string, request: ResolveRequest): Promise<ResolveResult[]> {
    this.runner.job(name); // an unknown job is refused before anything else
    const refs = request.effects ?? (await this.store.listJobEffects(name, { runKey: request.runKey, state: 'unknown', limit: 10_000 }));
    return this.runner.withLease(name, async () => {
      const results = new Map<string, ResolveResult>();
      const byRun = new Map<string, Set<string>>();
      for (const ref of refs) {
        const key: JobEffectKey = { job: name, runKey: ref.runKey, recipient: ref.recipient, effect: ref.effect };
        const to = request.action === 'send' ? 'retry' : 'done';
        const detail = request.action === 'send' ? `to be sent again, decided by an operator: ${request.reason}` : `marked done by an operator: ${request.reason}`;
        if (!(await this.store.transitionJobEffect(key, ['unknown'], to, detail, this.runner.owner))) {
          results.set(id(ref), { ...pick(ref), outcome: 'not-unknown', detail: JobTexts.unknownNotFound });
          continue;
        }
        results.set(id(ref), { ...pick(ref), outcome: to, detail });
        if (!byRun.has(ref.runKey)) byRun.set(ref.runKey, new Set());
        byRun.get(ref.runKey)!.add(ref.recipient);
      }
      for (const [runKey, recipients] of byRun) await this.continueRecipients(name, runKey, recipients);
      // Report each resolved effect as the ledger has it now.
      for (const [runKey] of byRun) {
        for (const e of await this.store.listJobEffects(name, { runKey, limit: 10_000 })) {
          const r = results.get(id(e));
          if (r && r.outcome !== 'not-unknown') Object.assign(r, { outcome: e.state, detail: e.detail });
        }
      }
      return [...results.values()];
    });
  }

  /** Processes the recipients again: sends what is now `retry`, and what a resolved letter held back. */
  private async continueRecipients(name: string, runKey: string, recipients: Set<string>): Promise<void> {
    const job = this.runner.job(name);
    const run = await this.store.getJobRun(runIdOf(name, runKey));
    if (!run) return;
    const itemRun = this.runner.itemRun(job, run);
    const marks = new Map((await this.store.jobItems(itemRun.itemsId)).map((i) => [i.itemKey, i] as const));
    const left = new Set(recipients);
    for await (const { recipient, position } of job.source.read()) {
      const key = String(recipient.customerId ?? '').trim() || position;
      if (!left.delete(key)) continue;
      const mark = marks.get(key);
      await this.runner.processor.process(itemRun, key, recipient, mark ? { printed: mark.printed, emailed: mark.emailed } : undefined);
      if (left.size === 0) break;
    }
    // A recipient no longer in the source cannot be sent to: its effect goes back to unknown, saying why.
    for (const recipient of left) {
      for (const effect of ['print', 'email'] as JobEffectKind[]) {
        await this.store.transitionJobEffect({ job: name, runKey, recipient, effect }, ['retry'], 'unknown', JobTexts.recipientGone(job.source.description));
      }
    }
  }
}

const id = (r: EffectRef) => `${r.runKey}\u0000${r.recipient}\u0000${r.effect}`;
const pick = ({ runKey, recipient, effect }: EffectRef): EffectRef => ({ runKey, recipient, effect });
