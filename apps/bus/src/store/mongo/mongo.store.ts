import { randomUUID } from 'node:crypto';
import { createConnection, type Connection, type FilterQuery } from 'mongoose';
import { DEFAULT_RETENTION_MS, pageLimit, toIso, type BusStore, type StoreOptions } from '../bus-store';
import { decodeCursor, encodeCursor } from '../message-status';
import type * as T from '../store.types';
import { MongoJournal } from './mongo.journal';
import { MongoKv } from './mongo.kv';
import { MongoFileLeases } from './mongo.file-lease';
import { createModels, isDuplicateKey, type DeadLetterDoc, type FileDoc, type JobItemDoc, type MongoModels } from './mongo.models';

export interface MongoStoreOptions extends StoreOptions {
  uri: string;
  /** Overrides the database named in the URI (tests use their own). */
  dbName?: string;
}

// The idempotency ledger must survive a crash between the destination's 2xx and the broker ack.
const DURABLE = { writeConcern: { w: 'majority' as const, j: true } };
const DURABLE_CREATE = { w: 'majority', j: true };

/**
 * The MongoDB store (used when MONGODB_URI is set). Unique indexes make every claim atomic
 * across bus instances: a duplicate-key error means another writer was first. TTL indexes
 * expire journal entries after the retention time, so no purge job is needed.
 */
export class MongoStore implements BusStore {
  readonly kind = 'mongodb';
  private readonly journal: MongoJournal;
  private readonly kv: MongoKv;
  private readonly fileLeases: MongoFileLeases;
  private closed = false;

  private constructor(private readonly conn: Connection, private readonly m: MongoModels) {
    this.journal = new MongoJournal(m);
    this.kv = new MongoKv(m);
    this.fileLeases = new MongoFileLeases(m);
  }

  /** Connects, then brings the indexes in line with the schemas (a changed retention rebuilds the TTL indexes). */
  static async connect(options: MongoStoreOptions): Promise<MongoStore> {
    // ignoreUndefined: an absent optional field is left out, not stored as null, as the embedded store does.
    const conn = createConnection(options.uri, { dbName: options.dbName, serverSelectionTimeoutMS: 10_000, autoIndex: false, ignoreUndefined: true });
    try {
      await conn.asPromise();
      const ttlSeconds = Math.max(1, Math.round((options.retentionMs ?? DEFAULT_RETENTION_MS) / 1000));
      const models = createModels(conn, ttlSeconds);
      for (const model of Object.values(models)) await model.syncIndexes();
      return new MongoStore(conn, models);
    } catch (err) {
      await conn.close().catch(() => undefined);
      // The URI is not repeated: it may carry a password.
      throw new Error(
        `MongoDB store could not be opened (MONGODB_URI): ${(err as Error)?.message ?? String(err)}. Start MongoDB or fix MONGODB_URI; unset it to use the embedded store.`,
        { cause: err },
      );
    }
  }

  appendEvents(events: T.JournalEvent[]): Promise<void> {
    return this.journal.append(events);
  }

  getMessage(id: string): Promise<T.MessageHistory | null> {
    return this.journal.get(id);
  }

  searchMessages(query: T.MessageSearch): Promise<T.Page<T.MessageSummary>> {
    return this.journal.search(query);
  }

  async isDelivered(messageId: string, destination: string): Promise<boolean> {
    return (await this.m.deliveries.exists({ messageId, destination })) !== null;
  }

  async recordDelivered(messageId: string, destination: string, receipt?: T.DeliveryRecordReceipt): Promise<void> {
    try {
      await this.m.deliveries.updateOne(
        { messageId, destination },
        { $setOnInsert: { deliveredAt: new Date(), ...(receipt ? { receipt } : {}) } },
        { upsert: true, ...DURABLE },
      );
    } catch (err) {
      // Two concurrent upserts of one key: the other one recorded it, which is all we need.
      if (!isDuplicateKey(err)) throw err;
    }
  }

  async claimIngressKey(system: string, key: string, messageId: string): Promise<T.IngressClaim> {
    for (let tries = 0; tries < 3; tries++) {
      try {
        await this.m.ingressKeys.create([{ system, key, messageId, claimedAt: new Date() }], DURABLE_CREATE);
        return { messageId, duplicate: false };
      } catch (err) {
        if (!isDuplicateKey(err)) throw err;
      }
      const holder = await this.m.ingressKeys.findOne({ system, key }).lean();
      // Null: the holder was released or expired between our insert and this read; claim again.
      if (holder) return { messageId: holder.messageId, duplicate: holder.messageId !== messageId };
    }
    throw new Error(`Ingress key "${key}" of ${system} keeps changing hands; the sender should retry the request`);
  }

  async releaseIngressKey(system: string, key: string, messageId?: string): Promise<void> {
    await this.m.ingressKeys.deleteOne(messageId ? { system, key, messageId } : { system, key });
  }

  async recordDeadLetter(input: T.DeadLetterInput): Promise<T.DeadLetter> {
    const letter: T.DeadLetter = { ...input, id: randomUUID(), at: toIso(input.at, 'at') ?? new Date().toISOString(), state: 'dead' };
    const { id, at, ...rest } = letter;
    await this.m.deadLetters.create([{ ...rest, _id: id, at: new Date(at) }], DURABLE_CREATE);
    return letter;
  }

  async listDeadLetters(query: T.DeadLetterSearch): Promise<T.Page<T.DeadLetter>> {
    const limit = pageLimit(query.limit);
    const and: FilterQuery<DeadLetterDoc>[] = [];
    const state = query.state ?? 'dead';
    if (state !== 'all') and.push({ state });
    if (query.system) and.push({ destination: query.system });
    if (query.source) and.push({ source: query.source });
    if (query.type) and.push({ type: query.type });
    const since = toIso(query.since, 'since');
    const until = toIso(query.until, 'until');
    if (since) and.push({ at: { $gte: new Date(since) } });
    if (until) and.push({ at: { $lte: new Date(until) } });
    const cursor = decodeCursor(query.cursor);
    if (cursor) {
      const at = new Date(cursor.at);
      and.push({ $or: [{ at: { $lt: at } }, { at, _id: { $lt: cursor.id } }] });
    }
    const docs = await this.m.deadLetters.find(and.length ? { $and: and } : {}).sort({ at: -1, _id: -1 }).limit(limit + 1).lean<DeadLetterDoc[]>();
    const items = docs.slice(0, limit).map(toDeadLetter);
    const last = items[items.length - 1];
    return docs.length > limit && last ? { items, nextCursor: encodeCursor(last.at, last.id) } : { items };
  }

  async getDeadLetter(id: string): Promise<T.DeadLetter | null> {
    const doc = await this.m.deadLetters.findById(id).lean<DeadLetterDoc>();
    return doc ? toDeadLetter(doc) : null;
  }

  async markDeadLetter(id: string, state: 'replayed' | 'discarded', reason?: string): Promise<boolean> {
    const set = { state, resolvedAt: new Date(), ...(reason !== undefined ? { reason } : {}) };
    const result = await this.m.deadLetters.updateOne({ _id: id, state: 'dead' }, { $set: set }, DURABLE);
    return result.modifiedCount === 1;
  }

  async linkXref(entity: string, canonicalId: string, system: string, nativeId: string): Promise<boolean> {
    try {
      await this.m.xrefs.create([{ entity, system, canonicalId, nativeId, linkedAt: new Date() }]);
      return true;
    } catch (err) {
      if (isDuplicateKey(err)) return false;
      throw err;
    }
  }

  async findNativeId(entity: string, canonicalId: string, system: string): Promise<string | null> {
    return (await this.m.xrefs.findOne({ entity, system, canonicalId }).lean())?.nativeId ?? null;
  }

  async findCanonicalId(entity: string, system: string, nativeId: string): Promise<string | null> {
    return (await this.m.xrefs.findOne({ entity, system, nativeId }).lean())?.canonicalId ?? null;
  }

  async claimFile(sha256: string, system: string, fileName: string): Promise<boolean> {
    try {
      await this.m.files.create([{ _id: sha256, system, fileName, claimedAt: new Date(), status: 'processing' }], DURABLE_CREATE);
      return true;
    } catch (err) {
      if (isDuplicateKey(err)) return false;
      throw err;
    }
  }

  async completeFile(sha256: string, outcome: T.FileOutcome, detail?: string): Promise<void> {
    await this.m.files.updateOne(
      { _id: sha256 },
      { $set: { status: outcome, completedAt: new Date(), ...(detail !== undefined ? { detail } : {}) }, $unset: { owner: 1, leaseUntil: 1, checkpoint: 1 } },
      DURABLE,
    );
  }

  async getFile(sha256: string): Promise<T.FileRecord | null> {
    const doc = await this.m.files.findById(sha256).lean<FileDoc>();
    if (!doc) return null;
    const record: T.FileRecord = { sha256: doc._id, system: doc.system, fileName: doc.fileName, claimedAt: doc.claimedAt.toISOString(), status: doc.status };
    if (doc.detail !== undefined && doc.detail !== null) record.detail = doc.detail;
    if (doc.completedAt) record.completedAt = doc.completedAt.toISOString();
    if (doc.owner) record.owner = doc.owner;
    if (typeof doc.leaseUntil === 'number') record.leaseUntil = new Date(doc.leaseUntil).toISOString();
    if (doc.checkpoint) record.checkpoint = doc.checkpoint;
    return record;
  }

  claimFileLease(sha256: string, system: string, fileName: string, owner: string, leaseMs: number): Promise<T.FileLease> {
    return this.fileLeases.claim(sha256, system, fileName, owner, leaseMs);
  }

  saveFileCheckpoint(sha256: string, owner: string, leaseMs: number, checkpoint?: T.FileCheckpoint): Promise<boolean> {
    return this.fileLeases.save(sha256, owner, leaseMs, checkpoint);
  }

  releaseFileLease(sha256: string, owner: string): Promise<void> {
    return this.fileLeases.release(sha256, owner);
  }

  async releaseFile(sha256: string): Promise<void> {
    await this.m.files.deleteOne({ _id: sha256 });
  }

  async saveJobRun(run: T.JobRun): Promise<void> {
    await this.m.jobRuns.replaceOne(
      { _id: run.id },
      { _id: run.id, name: run.name, state: run.state, startedAt: run.startedAt, ...(run.finishedAt ? { finishedAt: new Date(run.finishedAt) } : {}), run },
      { upsert: true, ...DURABLE },
    );
  }

  async getJobRun(id: string): Promise<T.JobRun | null> {
    return (await this.m.jobRuns.findById(id).lean())?.run ?? null;
  }

  async latestJobRun(name: string): Promise<T.JobRun | null> {
    return (await this.m.jobRuns.findOne({ name }).sort({ startedAt: -1, _id: -1 }).lean())?.run ?? null;
  }

  async markJobItem(runId: string, itemKey: string, step: T.JobItemStep, detail?: string): Promise<void> {
    // A success clears an earlier failure (a retried item); a failure keeps what already succeeded.
    const set: Partial<JobItemDoc> = step === 'failed' ? { failed: true } : { [step]: true, failed: false };
    if (detail !== undefined) set.detail = detail;
    set.updatedAt = new Date();
    const onInsert = Object.fromEntries((['printed', 'emailed', 'failed'] as const).filter((k) => !(k in set)).map((k) => [k, false]));
    try {
      await this.m.jobItems.updateOne({ runId, itemKey }, { $set: set, $setOnInsert: onInsert }, { upsert: true, ...DURABLE });
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
      await this.m.jobItems.updateOne({ runId, itemKey }, { $set: set }, DURABLE);
    }
  }

  async jobItems(runId: string): Promise<T.JobItem[]> {
    const docs = await this.m.jobItems.find({ runId }).sort({ itemKey: 1 }).lean<JobItemDoc[]>();
    return docs.map((d) => {
      const item: T.JobItem = { runId: d.runId, itemKey: d.itemKey, printed: !!d.printed, emailed: !!d.emailed, failed: !!d.failed, updatedAt: d.updatedAt.toISOString() };
      if (d.detail !== undefined && d.detail !== null) item.detail = d.detail;
      return item;
    });
  }

  async jobItemCounts(runId: string): Promise<T.JobItemCounts> {
    const flag = (field: string) => ({ $sum: { $cond: [`$${field}`, 1, 0] } });
    const [row] = await this.m.jobItems.aggregate<T.JobItemCounts>([
      { $match: { runId } },
      { $group: { _id: null, total: { $sum: 1 }, printed: flag('printed'), emailed: flag('emailed'), failed: flag('failed') } },
      { $project: { _id: 0, total: 1, printed: 1, emailed: 1, failed: 1 } },
    ]);
    return row ?? { total: 0, printed: 0, emailed: 0, failed: 0 };
  }

  async tryAcquireLock(name: string, owner: string, ttlMs: number): Promise<boolean> {
    const now = Date.now();
    try {
      // Matches only a lock that is ours or expired; when someone else holds it the upsert's insert hits the _id.
      await this.m.locks.updateOne(
        { _id: name, $or: [{ owner }, { expiresAt: { $lte: now } }] },
        { $set: { owner, expiresAt: now + ttlMs } },
        { upsert: true, ...DURABLE },
      );
      return true;
    } catch (err) {
      if (isDuplicateKey(err)) return false;
      throw err;
    }
  }

  async releaseLock(name: string, owner: string): Promise<void> {
    await this.m.locks.deleteOne({ _id: name, owner });
  }

  getValue<V = unknown>(namespace: string, key: string): Promise<V | null> {
    return this.kv.get<V>(namespace, key);
  }

  setValue(namespace: string, key: string, value: unknown, ttlMs?: number): Promise<void> {
    return this.kv.set(namespace, key, value, ttlMs);
  }

  deleteValue(namespace: string, key: string): Promise<void> {
    return this.kv.delete(namespace, key);
  }

  listValues<V = unknown>(namespace: string): Promise<Array<{ key: string; value: V }>> {
    return this.kv.list<V>(namespace);
  }

  async purgeOlderThan(date: T.TimeInput): Promise<void> {
    const cutoff = new Date(toIso(date, 'date')!);
    const oldRuns = (await this.m.jobRuns.find({ state: { $ne: 'running' }, startedAt: { $lt: cutoff.toISOString() } }, { _id: 1 }).lean()).map((r) => r._id);
    await Promise.all([
      this.journal.purge(cutoff),
      this.m.deliveries.deleteMany({ deliveredAt: { $lt: cutoff } }),
      this.m.ingressKeys.deleteMany({ claimedAt: { $lt: cutoff } }),
      this.m.deadLetters.deleteMany({ state: { $ne: 'dead' }, resolvedAt: { $lt: cutoff } }),
      this.m.jobItems.deleteMany({ runId: { $in: oldRuns } }),
      this.m.jobRuns.deleteMany({ _id: { $in: oldRuns } }),
    ]);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.conn.close();
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
  return letter;
}
