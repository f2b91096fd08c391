import { randomUUID } from 'node:crypto';
import type { FilterQuery } from 'mongoose';
import { pageLimit, toIso } from '../bus-store';
import { mongoAfterCursor, pageOf } from '../keyset-page';
import type * as T from '../store.types';
import { isDuplicateKey, type DeadLetterDoc, type MongoModels } from './mongo.models';

// A claim must hold across instances and survive a failover, as the ledger does.
const DURABLE = { writeConcern: { w: 'majority' as const, j: true } };

/**
 * The dead-letter part of the MongoDB store. Every state change is one findOneAndUpdate / updateOne
 * whose filter names the expected state: MongoDB applies it atomically to the one document, so of
 * two replays (any instances) exactly one matches.
 */
export class MongoDeadLetters {
  constructor(private readonly m: MongoModels) {}

  async record(input: T.DeadLetterInput): Promise<T.DeadLetter> {
    const { id = randomUUID(), at, ...rest } = input;
    const letter: T.DeadLetter = { ...rest, id, at: toIso(at, 'at') ?? new Date().toISOString(), state: 'dead' };
    const { id: _id, at: atIso, ...fields } = letter;
    try {
      // $setOnInsert: the same broker copy indexed twice (consumer and reconciler) keeps the first entry as it stands.
      const result = await this.m.deadLetters.updateOne({ _id }, { $setOnInsert: { ...fields, at: new Date(atIso) } }, { upsert: true, ...DURABLE });
      if (result.upsertedCount === 1) return letter;
    } catch (err) {
      // Two concurrent upserts of one id: the other inserted it.
      if (!isDuplicateKey(err)) throw err;
    }
    return (await this.get(id))!;
  }

  async list(query: T.DeadLetterSearch): Promise<T.Page<T.DeadLetter>> {
    const limit = pageLimit(query.limit);
    const and: FilterQuery<DeadLetterDoc>[] = [];
    const state = query.state ?? 'dead';
    if (state !== 'all') and.push({ state });
    if (query.system) and.push({ destination: query.system });
    if (query.messageId) and.push({ messageId: query.messageId });
    if (query.source) and.push({ source: query.source });
    if (query.type) and.push({ type: query.type });
    const since = toIso(query.since, 'since');
    const until = toIso(query.until, 'until');
    if (since) and.push({ at: { $gte: new Date(since) } });
    if (until) and.push({ at: { $lte: new Date(until) } });
    const after = mongoAfterCursor('at', query.cursor);
    if (after) and.push(after);
    const docs = await this.m.deadLetters.find(and.length ? { $and: and } : {}).sort({ at: -1, _id: -1 }).limit(limit + 1).lean<DeadLetterDoc[]>();
    const page = pageOf(docs.map(toDeadLetter), limit, (letter) => letter);
    return page.nextCursor ? { items: page.rows, nextCursor: page.nextCursor } : { items: page.rows };
  }

  async get(id: string): Promise<T.DeadLetter | null> {
    const doc = await this.m.deadLetters.findById(id).lean<DeadLetterDoc>();
    return doc ? toDeadLetter(doc) : null;
  }

  async getMany(ids: readonly string[]): Promise<T.DeadLetter[]> {
    if (ids.length === 0) return [];
    const docs = await this.m.deadLetters.find({ _id: { $in: [...ids] } }).lean<DeadLetterDoc[]>();
    return docs.map(toDeadLetter);
  }

  async mark(id: string, state: 'replayed' | 'discarded', reason?: string): Promise<boolean> {
    const set = { state, resolvedAt: new Date(), ...(reason !== undefined ? { reason } : {}) };
    const result = await this.m.deadLetters.updateOne({ _id: id, state: 'dead' }, { $set: set }, DURABLE);
    return result.modifiedCount === 1;
  }

  async claim(id: string, owner: string, leaseMs: number): Promise<T.DeadLetterClaim> {
    const at = new Date();
    const staleBefore = new Date(at.getTime() - leaseMs);
    const doc = await this.m.deadLetters
      .findOneAndUpdate(
        { _id: id, $or: [{ state: 'dead' }, { state: 'replaying', claimedAt: { $lt: staleBefore } }] },
        { $set: { state: 'replaying', claimedBy: owner, claimedAt: at } },
        { new: true, ...DURABLE },
      )
      .lean<DeadLetterDoc>();
    if (doc) return { claimed: true, letter: toDeadLetter(doc) };
    return { claimed: false, letter: await this.get(id) };
  }

  async complete(id: string, owner: string): Promise<boolean> {
    const result = await this.m.deadLetters.updateOne(
      { _id: id, state: 'replaying', claimedBy: owner },
      { $set: { state: 'replayed', resolvedAt: new Date() }, $unset: { reason: 1 } },
      DURABLE,
    );
    return result.modifiedCount === 1;
  }

  async release(id: string, owner: string, reason: string): Promise<boolean> {
    const result = await this.m.deadLetters.updateOne({ _id: id, state: 'replaying', claimedBy: owner }, { $set: { state: 'dead', reason } }, DURABLE);
    return result.modifiedCount === 1;
  }

  async releaseStale(olderThan: T.TimeInput, reason: string): Promise<number> {
    const before = new Date(toIso(olderThan, 'olderThan')!);
    const result = await this.m.deadLetters.updateMany({ state: 'replaying', claimedAt: { $lt: before } }, { $set: { state: 'dead', reason } }, DURABLE);
    return result.modifiedCount;
  }

  async countOpen(): Promise<Record<string, number>> {
    const rows = await this.m.deadLetters.aggregate<{ _id: string; n: number }>([
      { $match: { state: { $in: ['dead', 'replaying'] } } },
      { $group: { _id: '$destination', n: { $sum: 1 } } },
    ]);
    return Object.fromEntries(rows.map((r) => [r._id, r.n]));
  }
}

function toDeadLetter(doc: DeadLetterDoc): T.DeadLetter {
  const letter: T.DeadLetter = {
    id: doc._id, messageId: doc.messageId, destination: doc.destination, type: doc.type, source: doc.source, errorCode: doc.errorCode,
    errorMessage: doc.errorMessage, attempts: doc.attempts, at: doc.at.toISOString(), envelope: doc.envelope as T.DeadLetter['envelope'], state: doc.state,
  };
  if (doc.headers) letter.headers = doc.headers;
  if (doc.reason !== undefined && doc.reason !== null) letter.reason = doc.reason;
  if (doc.resolvedAt) letter.resolvedAt = doc.resolvedAt.toISOString();
  if (doc.claimedBy) letter.claimedBy = doc.claimedBy;
  if (doc.claimedAt) letter.claimedAt = doc.claimedAt.toISOString();
  return letter;
}
