import type * as T from '../store.types';
import { effectLimit, noEffectCounts } from '../job-effects';
import { isDuplicateKey, type JobEffectDoc, type MongoModels } from './mongo.models';

// Written before a print or an e-mail: it must survive a crash of the bus and a primary failover.
const DURABLE = { writeConcern: { w: 'majority' as const, j: true } };

/** The job effects ledger in MongoDB: the unique (job, runKey, recipient, effect) index makes each claim atomic. */
export class MongoJobEffects {
  constructor(private readonly m: MongoModels) {}

  async claim(key: T.JobEffectKey, start: T.JobEffectStart): Promise<T.JobEffectClaim> {
    const k = keyOf(key);
    const now = new Date();
    const claimable: Array<Record<string, unknown>> = [{ state: 'retry' }, { state: { $in: ['done', 'failed'] }, pass: { $lt: start.pass } }];
    if (start.retryFailed) claimable.push({ state: 'failed' });
    const set = { state: 'started', target: start.target, pass: start.pass, owner: start.owner, startedAt: now, updatedAt: now };
    try {
      // Matches an existing claimable row, or inserts a new one; when the row exists but is not
      // claimable the upsert's insert hits the unique key: someone else has it (or it is settled).
      const doc = await this.m.jobEffects
        .findOneAndUpdate({ ...k, $or: claimable }, { $set: set, $unset: { detail: 1 } }, { upsert: true, new: true, ...DURABLE })
        .lean<JobEffectDoc>();
      return { claimed: true, effect: toEffect(doc!) };
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
    }
    const found = await this.m.jobEffects.findOne(k).lean<JobEffectDoc>();
    return { claimed: false, effect: toEffect(found!) };
  }

  async transition(key: T.JobEffectKey, from: readonly T.JobEffectState[], to: T.JobEffectState, detail?: string, owner?: string): Promise<boolean> {
    const now = new Date();
    const set: Record<string, unknown> = { state: to, updatedAt: now };
    if (detail !== undefined) set.detail = detail;
    if (owner !== undefined) set.owner = owner;
    if (to === 'started') set.startedAt = now;
    const result = await this.m.jobEffects.updateOne({ ...keyOf(key), state: { $in: [...from] } }, { $set: set }, DURABLE);
    return result.matchedCount === 1;
  }

  async list(job: string, search: T.JobEffectSearch = {}): Promise<T.JobEffect[]> {
    const filter: Record<string, unknown> = { job };
    if (search.runKey !== undefined) filter.runKey = search.runKey;
    if (search.state !== undefined) filter.state = search.state;
    const docs = await this.m.jobEffects.find(filter).sort({ runKey: 1, recipient: 1, effect: 1 }).limit(effectLimit(search.limit)).lean<JobEffectDoc[]>();
    return docs.map(toEffect);
  }

  async counts(job: string, runKey?: string): Promise<T.JobEffectCounts> {
    const match: Record<string, unknown> = { job };
    if (runKey !== undefined) match.runKey = runKey;
    const rows = await this.m.jobEffects.aggregate<{ _id: T.JobEffectState; n: number }>([{ $match: match }, { $group: { _id: '$state', n: { $sum: 1 } } }]);
    const counts = noEffectCounts();
    for (const r of rows) counts[r._id] = r.n;
    return counts;
  }

  async purge(cutoff: Date): Promise<void> {
    await this.m.jobEffects.deleteMany({ state: { $in: ['done', 'failed', 'retry'] }, updatedAt: { $lt: cutoff } });
  }
}

const keyOf = ({ job, runKey, recipient, effect }: T.JobEffectKey) => ({ job, runKey, recipient, effect });

function toEffect(d: JobEffectDoc): T.JobEffect {
  const effect: T.JobEffect = {
    job: d.job, runKey: d.runKey, recipient: d.recipient, effect: d.effect, state: d.state, target: d.target, pass: d.pass,
    startedAt: d.startedAt.toISOString(), updatedAt: d.updatedAt.toISOString(),
  };
  if (d.owner !== undefined && d.owner !== null) effect.owner = d.owner;
  if (d.detail !== undefined && d.detail !== null) effect.detail = d.detail;
  return effect;
}
