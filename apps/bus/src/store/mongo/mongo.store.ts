import { createConnection, type Connection } from 'mongoose';
import { DEFAULT_RETENTION_MS, toIso, type BusStore, type StoreOptions } from '../bus-store';
import type * as T from '../store.types';
import { MongoJournal } from './mongo.journal';
import { MongoJobEffects } from './mongo.job-effects';
import { MongoKv } from './mongo.kv';
import { MongoConfigHistory } from './mongo.config-history';
import { MongoAudit } from './mongo.audit';
import type { AuditEntry, AuditInput, AuditSearch, WaitingMessages } from '../console.types';
import { ensureStoreId } from './mongo.store-id';
import { MongoFileLeases } from './mongo.file-lease';
import { createModels, isDuplicateKey, type DeadLetterDoc, type FileDoc, type JobItemDoc, type MongoModels } from './mongo.models';
import { MongoDeadLetters } from './mongo.dead-letters';

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
  private readonly audit: MongoAudit;
  private readonly deadLetters: MongoDeadLetters;
  private readonly effects: MongoJobEffects;
  private readonly fileLeases: MongoFileLeases;
  private readonly configHistory: MongoConfigHistory;
  private closed = false;

  private constructor(
    private readonly conn: Connection,
    private readonly m: MongoModels,
    private readonly id: string,
  ) {
    this.journal = new MongoJournal(m);
    this.kv = new MongoKv(m);
    this.audit = new MongoAudit(m);
    this.deadLetters = new MongoDeadLetters(m);
    this.effects = new MongoJobEffects(m);
    this.fileLeases = new MongoFileLeases(m);
    this.configHistory = new MongoConfigHistory(m);
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
      return new MongoStore(conn, models, await ensureStoreId(models.meta));
    } catch (err) {
      await conn.close().catch(() => undefined);
      // The URI is not repeated: it may carry a password.
      throw new Error(
        `MongoDB store could not be opened (MONGODB_URI): ${(err as Error)?.message ?? String(err)}. Start MongoDB or fix MONGODB_URI; unset it to use the embedded store.`,
        { cause: err },
      );
    }
  }

  async storeId(): Promise<string> {
    return this.id;
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
    // After the record, so a copy that gets the claim next finds the pair delivered. The record is what
    // counts: a claim left behind by a failed delete only makes other copies wait until it expires.
    await this.m.deliveryClaims.deleteOne({ messageId, destination }, DURABLE).catch(() => undefined);
  }

  async claimDelivery(messageId: string, destination: string, owner: string, ttlMs: number): Promise<T.DeliveryClaim> {
    const now = new Date();
    const expiresAt = new Date(now.getTime() + ttlMs);
    let won = true;
    try {
      // Matches only a lease that is ours or expired; when another owner's lease lives, the upsert's insert hits the unique index.
      await this.m.deliveryClaims.updateOne(
        { messageId, destination, $or: [{ owner }, { expiresAt: { $lte: now } }] },
        { $set: { owner, expiresAt } },
        { upsert: true, ...DURABLE },
      );
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
      won = false;
    }
    if (await this.isDelivered(messageId, destination)) {
      if (won) await this.m.deliveryClaims.deleteOne({ messageId, destination, owner }, DURABLE);
      return { state: 'delivered' };
    }
    if (won) return { state: 'claimed', expiresAt: expiresAt.getTime() };
    const holder = await this.m.deliveryClaims.findOne({ messageId, destination }).lean();
    // Gone since our upsert (released or recorded): reported as held until now, so the caller asks again at once.
    return { state: 'held', owner: holder?.owner ?? '', expiresAt: holder?.expiresAt.getTime() ?? now.getTime() };
  }

  async releaseDelivery(messageId: string, destination: string, owner: string): Promise<void> {
    await this.m.deliveryClaims.deleteOne({ messageId, destination, owner }, DURABLE);
  }

  async claimIngressKey(system: string, key: string, messageId: string, correlationId?: string): Promise<T.IngressClaim> {
    for (let tries = 0; tries < 3; tries++) {
      try {
        await this.m.ingressKeys.create([{ system, key, messageId, correlationId, state: 'claimed', claimedAt: new Date() }], DURABLE_CREATE);
        return { messageId, ...(correlationId !== undefined ? { correlationId } : {}), duplicate: false, state: 'claimed' };
      } catch (err) {
        if (!isDuplicateKey(err)) throw err;
      }
      const holder = await this.m.ingressKeys.findOne({ system, key }).lean();
      // Null: the holder was released or expired between our insert and this read; claim again.
      if (holder) {
        return {
          messageId: holder.messageId,
          ...(holder.correlationId ? { correlationId: holder.correlationId } : {}),
          duplicate: holder.messageId !== messageId,
          state: holder.state ?? 'confirmed',
        };
      }
    }
    throw new Error(`Ingress key "${key}" of ${system} keeps changing hands; the sender should retry the request`);
  }

  async confirmIngressKey(system: string, key: string, messageId: string): Promise<void> {
    await this.m.ingressKeys.updateOne({ system, key, messageId }, { $set: { state: 'confirmed' } }, DURABLE);
  }

  async releaseIngressKey(system: string, key: string, messageId?: string): Promise<void> {
    await this.m.ingressKeys.deleteOne(messageId ? { system, key, messageId } : { system, key });
  }

  recordDeadLetter(input: T.DeadLetterInput): Promise<T.DeadLetter> {
    return this.deadLetters.record(input);
  }

  listDeadLetters(query: T.DeadLetterSearch): Promise<T.Page<T.DeadLetter>> {
    return this.deadLetters.list(query);
  }

  getDeadLetter(id: string): Promise<T.DeadLetter | null> {
    return this.deadLetters.get(id);
  }

  getDeadLetters(ids: readonly string[]): Promise<T.DeadLetter[]> {
    return this.deadLetters.getMany(ids);
  }

  markDeadLetter(id: string, state: 'replayed' | 'discarded', reason?: string): Promise<boolean> {
    return this.deadLetters.mark(id, state, reason);
  }

  claimDeadLetter(id: string, owner: string, leaseMs: number): Promise<T.DeadLetterClaim> {
    return this.deadLetters.claim(id, owner, leaseMs);
  }

  completeDeadLetterClaim(id: string, owner: string): Promise<boolean> {
    return this.deadLetters.complete(id, owner);
  }

  releaseDeadLetterClaim(id: string, owner: string, reason: string): Promise<boolean> {
    return this.deadLetters.release(id, owner, reason);
  }

  releaseStaleDeadLetterClaims(olderThan: T.TimeInput, reason: string): Promise<number> {
    return this.deadLetters.releaseStale(olderThan, reason);
  }

  countOpenDeadLetters(): Promise<Record<string, number>> {
    return this.deadLetters.countOpen();
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

  async jobItems(runId: string, filter: T.JobItemFilter = {}): Promise<T.JobItem[]> {
    // `failed: false` also matches a document without the field, as the SQLite store's 0 default does.
    const query = filter.failed === undefined ? { runId } : filter.failed ? { runId, failed: true } : { runId, failed: { $ne: true } };
    const docs = await this.m.jobItems.find(query).sort({ itemKey: 1 }).lean<JobItemDoc[]>();
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

  claimJobEffect(key: T.JobEffectKey, start: T.JobEffectStart): Promise<T.JobEffectClaim> {
    return this.effects.claim(key, start);
  }

  transitionJobEffect(key: T.JobEffectKey, from: readonly T.JobEffectState[], to: T.JobEffectState, detail?: string, owner?: string): Promise<boolean> {
    return this.effects.transition(key, from, to, detail, owner);
  }

  listJobEffects(job: string, search?: T.JobEffectSearch): Promise<T.JobEffect[]> {
    return this.effects.list(job, search);
  }

  jobEffectCounts(job: string, runKey?: string): Promise<T.JobEffectCounts> {
    return this.effects.counts(job, runKey);
  }

  waitingByDestination(): Promise<Record<string, WaitingMessages>> {
    return this.journal.waiting();
  }

  recordAudit(entry: AuditInput): Promise<AuditEntry> {
    return this.audit.record(entry);
  }

  listAudit(query: AuditSearch): Promise<T.Page<AuditEntry>> {
    return this.audit.list(query);
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

  recordConfigVersion(entry: T.ConfigHistoryEntry, files: Record<string, string>): Promise<void> {
    return this.configHistory.record(entry, files);
  }

  listConfigHistory(search?: T.ConfigHistorySearch): Promise<T.Page<T.ConfigHistoryEntry>> {
    return this.configHistory.list(search);
  }

  getConfigVersion(version: string): Promise<T.ConfigVersionRecord | null> {
    return this.configHistory.get(version);
  }

  async purgeOlderThan(date: T.TimeInput): Promise<void> {
    const cutoff = new Date(toIso(date, 'date')!);
    const oldRuns = (await this.m.jobRuns.find({ state: { $ne: 'running' }, startedAt: { $lt: cutoff.toISOString() } }, { _id: 1 }).lean()).map((r) => r._id);
    await Promise.all([
      this.journal.purge(cutoff),
      this.m.deliveries.deleteMany({ deliveredAt: { $lt: cutoff } }),
      this.m.ingressKeys.deleteMany({ claimedAt: { $lt: cutoff } }),
      this.m.deliveryClaims.deleteMany({ expiresAt: { $lt: cutoff } }),
      this.m.deadLetters.deleteMany({ state: { $ne: 'dead' }, resolvedAt: { $lt: cutoff } }),
      this.m.jobItems.deleteMany({ runId: { $in: oldRuns } }),
      this.m.jobRuns.deleteMany({ _id: { $in: oldRuns } }),
      this.effects.purge(cutoff),
    ]);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.conn.close();
  }
}
