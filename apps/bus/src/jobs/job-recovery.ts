import type { LoggerService } from '@nestjs/common';
import type { SendLookup } from '@bus/adapters';
import { effectType, printMeta, sendContext } from './job-item.processor';
import type { JobEffect, JobEffectKind, JobRun, JobStateStore } from './job-state.store';
import { IN_FLIGHT_DETAILS, JobTexts } from './job.errors';
import type { MailMergeJob } from './mail-merge.job';
import { itemsIdOf, sendRunOf } from './run-key';

/** What a recovery did with the effects a crash left `started`. */
export interface RecoveryOutcome {
  done: number;
  retry: number;
  unknown: number;
}

/**
 * Settles the effects a crashed (or lease-less) instance left `started`, before a resumed run goes on:
 * the target is asked where it can answer (`lookup`: the printer's job list, a spool folder).
 * Found → `done`; surely not received → `retry` (the run sends it again); anything else, and every
 * e-mail, → `unknown`, which the run never repeats and an operator resolves. Runs with the job's
 * lease held, so no live instance is sending these effects.
 */
export class JobRecovery {
  constructor(private readonly store: JobStateStore, private readonly logger?: Pick<LoggerService, 'warn'>) {}

  async settle(job: MailMergeJob, run: JobRun): Promise<RecoveryOutcome> {
    const outcome: RecoveryOutcome = { done: 0, retry: 0, unknown: 0 };
    const started = await this.store.listJobEffects(job.name, { runKey: run.runKey ?? run.id, state: 'started', limit: 10_000 });
    const itemsId = itemsIdOf(run.id, run.pass ?? 1);
    for (const effect of started) {
      const what = effect.effect === 'print' ? 'print' : 'e-mail';
      const answer = await this.ask(job, run, effect);
      if (answer.outcome === 'delivered') {
        if (await this.store.transitionJobEffect(effect, ['started'], 'done', JobTexts.recovered(what, answer.detail))) {
          await this.store.markJobItem(itemsId, effect.recipient, effect.effect === 'print' ? 'printed' : 'emailed', JobTexts.recovered(what, answer.detail));
          outcome.done++;
        }
      } else if (answer.outcome === 'absent') {
        // The item keeps its in-flight mark, so the resumed run processes it and claims the `retry`.
        if (await this.store.transitionJobEffect(effect, ['started'], 'retry', JobTexts.resendAfterCrash(what, answer.detail))) outcome.retry++;
      } else if (await this.store.transitionJobEffect(effect, ['started'], 'unknown', answer.detail)) {
        await this.store.markJobItem(itemsId, effect.recipient, 'failed', JobTexts.unknownOutcome(what, job.name, answer.detail));
        outcome.unknown++;
      }
    }
    outcome.unknown += await this.settleLegacy(job, run, itemsId);
    if (outcome.unknown > 0) this.logger?.warn(`job ${job.name} run ${run.id}: ${outcome.unknown} effects of unknown outcome after a crash; GET /admin/jobs/${job.name}/effects?state=unknown`);
    return outcome;
  }

  /**
   * A run left unfinished by a bus without the effects ledger has in-flight marks and no ledger
   * rows: those sends are as uncertain as a `started` one, so they are written `unknown`.
   */
  private async settleLegacy(job: MailMergeJob, run: JobRun, itemsId: string): Promise<number> {
    const runKey = run.runKey ?? run.id;
    const inFlight = (await this.store.jobItems(itemsId, { failed: true })).filter((i) => IN_FLIGHT_DETAILS.includes(i.detail ?? ''));
    if (inFlight.length === 0) return 0;
    const known = new Set((await this.store.listJobEffects(job.name, { runKey, limit: 10_000 })).map((e) => `${e.recipient}\u0000${e.effect}`));
    let unknown = 0;
    for (const item of inFlight) {
      const kind: JobEffectKind = item.detail === JobTexts.inFlightPrint ? 'print' : 'email';
      if (known.has(`${item.itemKey}\u0000${kind}`)) continue;
      const key = { job: job.name, runKey, recipient: item.itemKey, effect: kind };
      const to = kind === 'print' ? job.printer : job.email;
      const claim = await this.store.claimJobEffect(key, { target: to.system, pass: run.pass ?? 1, owner: run.owner ?? '?' });
      if (claim.claimed && (await this.store.transitionJobEffect(key, ['started'], 'unknown', JobTexts.legacyInFlight(kind === 'print' ? 'print' : 'e-mail')))) unknown++;
    }
    return unknown;
  }

  private async ask(job: MailMergeJob, run: JobRun, effect: JobEffect): Promise<SendLookup> {
    const what = effect.effect === 'print' ? 'print' : 'e-mail';
    const to = effect.effect === 'print' ? job.printer : job.email;
    if (to.system !== effect.target) return { outcome: 'unknown', detail: JobTexts.targetChanged(what, effect.target, to.system) };
    if (!to.instance.lookup) return { outcome: 'unknown', detail: JobTexts.cannotAsk(what, effect.target) };
    const sendRun = sendRunOf(run.id, effect.pass);
    const answer = await to.instance
      .lookup(sendContext(sendRun, effect.recipient, to, effectType(effect.effect)), printMeta(job.name, sendRun, effect.recipient))
      .catch((error: unknown): SendLookup => ({ outcome: 'unknown', detail: (error as Error).message }));
    return answer.outcome === 'unknown' ? { ...answer, detail: `${what} via ${effect.target} left started by a crash: ${answer.detail}` } : answer;
  }
}
