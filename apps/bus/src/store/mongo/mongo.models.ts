import { Schema, type Connection, type Model } from 'mongoose';
import type * as T from '../store.types';

// Document shapes. Times that expire or sort are Dates (TTL indexes need them); the API answers with ISO strings.

export interface MessageDoc {
  _id: string;
  type: string;
  source: string;
  correlationId: string;
  causationId?: string;
  configVersion?: string;
  receivedAt: Date;
  initialStatus: 'accepted' | 'unrouted';
  status: T.MessageStatus;
  rawNative?: T.RawNative;
  canonical?: unknown;
  routes: T.RouteRef[];
  /** Source and every destination: what the `system` search filter matches. */
  systems: string[];
  /** Values of its business keys (multikey index: `businessKeys: value` finds every message of a booking). */
  businessKeys?: string[];
}
export interface DestinationDoc { messageId: string; destination: string; status: T.DestinationStatus; attempts: number; updatedAt: Date }
export interface HopDoc { messageId: string; at: Date; hop: T.Hop }
export interface DeliveryDoc { messageId: string; destination: string; deliveredAt: Date; receipt?: T.DeliveryRecordReceipt }
/** `state` and `correlationId` are absent on claims written before they were kept: those count as confirmed. */
export interface IngressKeyDoc { system: string; key: string; messageId: string; claimedAt: Date; correlationId?: string; state?: T.IngressClaimState }
export interface DeliveryClaimDoc { messageId: string; destination: string; owner: string; expiresAt: Date }
export interface DeadLetterDoc {
  _id: string; messageId: string; destination: string; type: string; source: string; errorCode: string; errorMessage: string;
  attempts: number; at: Date; envelope: unknown; headers?: Record<string, unknown>; state: T.DeadLetterState; reason?: string; resolvedAt?: Date;
  claimedBy?: string; claimedAt?: Date;
}
export interface AuditDoc { _id: string; at: Date; actor: string; action: string; target?: string; entry: unknown }
export interface XrefDoc { entity: string; system: string; canonicalId: string; nativeId: string; linkedAt: Date }
export interface FileDoc {
  _id: string; system: string; fileName: string; claimedAt: Date; status: T.FileRecord['status']; detail?: string; completedAt?: Date;
  owner?: string; leaseUntil?: number; checkpoint?: T.FileCheckpoint;
}
export interface JobRunDoc { _id: string; name: string; state: T.JobRunState; startedAt: string; finishedAt?: Date; run: T.JobRun }
export interface JobItemDoc { runId: string; itemKey: string; printed: boolean; emailed: boolean; failed: boolean; detail?: string; updatedAt: Date }
export interface JobEffectDoc {
  job: string; runKey: string; recipient: string; effect: T.JobEffectKind; state: T.JobEffectState; target: string; pass: number;
  owner?: string; detail?: string; startedAt: Date; updatedAt: Date;
}
export interface LockDoc { _id: string; owner: string; expiresAt: number }
export interface StoreMetaDoc { _id: string; storeId: string; createdAt: Date }
/** `_id`: the ISO time applied, `~`, a random suffix: sorts by time, and is the history's cursor. */
export interface ConfigHistoryDoc { _id: string; version: string; appliedAt: Date; appliedBy: string; reason: string; trigger: T.ConfigTrigger; previousVersion: string | null }
export interface ConfigVersionDoc { _id: string; files: Record<string, string> }
export interface KvDoc { namespace: string; key: string; value: unknown; expiresAt?: Date }

export interface MongoModels {
  messages: Model<MessageDoc>;
  destinations: Model<DestinationDoc>;
  hops: Model<HopDoc>;
  deliveries: Model<DeliveryDoc>;
  ingressKeys: Model<IngressKeyDoc>;
  deliveryClaims: Model<DeliveryClaimDoc>;
  deadLetters: Model<DeadLetterDoc>;
  xrefs: Model<XrefDoc>;
  files: Model<FileDoc>;
  jobRuns: Model<JobRunDoc>;
  jobItems: Model<JobItemDoc>;
  locks: Model<LockDoc>;
  jobEffects: Model<JobEffectDoc>;
  kv: Model<KvDoc>;
  configHistory: Model<ConfigHistoryDoc>;
  configVersions: Model<ConfigVersionDoc>;
  audit: Model<AuditDoc>;
  meta: Model<StoreMetaDoc>;
}

// No version key, no auto timestamps; `minimize: false` keeps empty objects in Mixed fields as written.
const opts = { versionKey: false, minimize: false, autoIndex: false } as const;

/**
 * One model per part, on the store's own connection. `ttlSeconds` is the journal retention: MongoDB
 * deletes journal entries, delivery records and ingress keys itself once they are that old.
 */
export function createModels(conn: Connection, ttlSeconds: number): MongoModels {
  const messages = new Schema<MessageDoc>(
    {
      _id: { type: String, required: true }, type: { type: String, required: true }, source: { type: String, required: true },
      correlationId: { type: String, required: true }, causationId: String, configVersion: String, receivedAt: { type: Date, required: true },
      initialStatus: { type: String, required: true }, status: { type: String, required: true }, rawNative: Schema.Types.Mixed,
      canonical: Schema.Types.Mixed, routes: [{ _id: false, route: String, destination: String }], systems: [String], businessKeys: { type: [String], default: undefined },
    },
    { ...opts, collection: 'journal_messages' },
  );
  messages.index({ receivedAt: -1, _id: -1 });
  messages.index({ correlationId: 1, receivedAt: -1 });
  messages.index({ systems: 1, receivedAt: -1 });
  messages.index({ type: 1, receivedAt: -1 });
  messages.index({ businessKeys: 1, receivedAt: -1 });
  messages.index({ status: 1, receivedAt: -1 });
  messages.index({ receivedAt: 1 }, { expireAfterSeconds: ttlSeconds });

  const destinations = new Schema<DestinationDoc>(
    { messageId: { type: String, required: true }, destination: { type: String, required: true }, status: String, attempts: Number, updatedAt: Date },
    { ...opts, collection: 'journal_destinations' },
  );
  destinations.index({ messageId: 1, destination: 1 }, { unique: true });
  destinations.index({ status: 1, destination: 1 });
  destinations.index({ updatedAt: 1 }, { expireAfterSeconds: ttlSeconds });

  const hops = new Schema<HopDoc>(
    { messageId: { type: String, required: true }, at: { type: Date, required: true }, hop: Schema.Types.Mixed },
    { ...opts, collection: 'journal_hops' },
  );
  hops.index({ messageId: 1, at: 1, _id: 1 });
  hops.index({ at: 1 }, { expireAfterSeconds: ttlSeconds });

  const deliveries = new Schema<DeliveryDoc>(
    { messageId: { type: String, required: true }, destination: { type: String, required: true }, deliveredAt: Date, receipt: Schema.Types.Mixed },
    { ...opts, collection: 'deliveries' },
  );
  deliveries.index({ messageId: 1, destination: 1 }, { unique: true });
  deliveries.index({ deliveredAt: 1 }, { expireAfterSeconds: ttlSeconds });

  const ingressKeys = new Schema<IngressKeyDoc>(
    { system: { type: String, required: true }, key: { type: String, required: true }, messageId: String, claimedAt: Date, correlationId: String, state: String },
    { ...opts, collection: 'ingress_keys' },
  );
  ingressKeys.index({ system: 1, key: 1 }, { unique: true });
  ingressKeys.index({ claimedAt: 1 }, { expireAfterSeconds: ttlSeconds });

  const deliveryClaims = new Schema<DeliveryClaimDoc>(
    { messageId: { type: String, required: true }, destination: { type: String, required: true }, owner: String, expiresAt: Date },
    { ...opts, collection: 'delivery_claims' },
  );
  // The unique index is what makes a claim atomic: an upsert that finds no free or own lease collides with the holder.
  deliveryClaims.index({ messageId: 1, destination: 1 }, { unique: true });
  // Leftovers of crashed holders: an expired lease is free anyway; MongoDB removes it after the retention time.
  deliveryClaims.index({ expiresAt: 1 }, { expireAfterSeconds: ttlSeconds });

  const deadLetters = new Schema<DeadLetterDoc>(
    {
      _id: { type: String, required: true }, messageId: String, destination: String, type: String, source: String, errorCode: String,
      errorMessage: String, attempts: Number, at: Date, envelope: Schema.Types.Mixed, headers: Schema.Types.Mixed, state: String,
      reason: String, resolvedAt: Date, claimedBy: String, claimedAt: Date,
    },
    { ...opts, collection: 'dead_letters' },
  );
  deadLetters.index({ state: 1, at: -1, _id: -1 });
  deadLetters.index({ destination: 1, at: -1 });
  deadLetters.index({ messageId: 1 });
  // Finds the claims whose replayer died (releaseStale).
  deadLetters.index({ state: 1, claimedAt: 1 });
  // Open dead letters have no resolvedAt and so never expire: they wait for an operator.
  deadLetters.index({ resolvedAt: 1 }, { expireAfterSeconds: ttlSeconds });

  const xrefs = new Schema<XrefDoc>(
    { entity: String, system: String, canonicalId: String, nativeId: String, linkedAt: Date },
    { ...opts, collection: 'xrefs' },
  );
  xrefs.index({ entity: 1, system: 1, canonicalId: 1 }, { unique: true });
  xrefs.index({ entity: 1, system: 1, nativeId: 1 }, { unique: true });

  const files = new Schema<FileDoc>(
    {
      _id: { type: String, required: true }, system: String, fileName: String, claimedAt: Date, status: String, detail: String, completedAt: Date,
      owner: String, leaseUntil: Number, checkpoint: Schema.Types.Mixed,
    },
    { ...opts, collection: 'files' },
  );

  const jobRuns = new Schema<JobRunDoc>(
    { _id: { type: String, required: true }, name: String, state: String, startedAt: String, finishedAt: Date, run: Schema.Types.Mixed },
    { ...opts, collection: 'job_runs' },
  );
  jobRuns.index({ name: 1, startedAt: -1, _id: -1 });

  const jobItems = new Schema<JobItemDoc>(
    { runId: String, itemKey: String, printed: Boolean, emailed: Boolean, failed: Boolean, detail: String, updatedAt: Date },
    { ...opts, collection: 'job_items' },
  );
  jobItems.index({ runId: 1, itemKey: 1 }, { unique: true });

  const jobEffects = new Schema<JobEffectDoc>(
    { job: String, runKey: String, recipient: String, effect: String, state: String, target: String, pass: Number, owner: String, detail: String, startedAt: Date, updatedAt: Date },
    { ...opts, collection: 'job_effects' },
  );
  // The unique key is what makes a claim atomic: the upsert of a second claimant hits it.
  jobEffects.index({ job: 1, runKey: 1, recipient: 1, effect: 1 }, { unique: true });
  jobEffects.index({ job: 1, state: 1, runKey: 1 });

  const locks = new Schema<LockDoc>({ _id: { type: String, required: true }, owner: String, expiresAt: Number }, { ...opts, collection: 'locks' });

  const kv = new Schema<KvDoc>(
    { namespace: { type: String, required: true }, key: { type: String, required: true }, value: Schema.Types.Mixed, expiresAt: Date },
    { ...opts, collection: 'kv' },
  );
  kv.index({ namespace: 1, key: 1 }, { unique: true });
  // Entries without expiresAt never expire; reads also check expiresAt, as the TTL monitor runs only once a minute.
  kv.index({ expiresAt: 1 }, { expireAfterSeconds: 0 });

  const configHistory = new Schema<ConfigHistoryDoc>(
    {
      _id: { type: String, required: true }, version: { type: String, required: true }, appliedAt: { type: Date, required: true },
      appliedBy: String, reason: String, trigger: String, previousVersion: { type: String, default: null },
    },
    { ...opts, collection: 'config_history' },
  );
  configHistory.index({ version: 1, _id: -1 });
  // File names hold dots (`bus.yaml`), which MongoDB keys may not: the content is one JSON-safe Mixed value of path/text pairs.
  const configVersions = new Schema<ConfigVersionDoc>({ _id: { type: String, required: true }, files: Schema.Types.Mixed }, { ...opts, collection: 'config_versions' });
  // The audit trail is never expired: it outlives the journal.
  const audit = new Schema<AuditDoc>(
    { _id: { type: String, required: true }, at: Date, actor: String, action: String, target: String, entry: Schema.Types.Mixed },
    { ...opts, collection: 'audit_trail' },
  );
  audit.index({ at: -1, _id: -1 });

  // One document, `_id: 'store'`: the store's id (mongo.store-id.ts).
  const meta = new Schema<StoreMetaDoc>({ _id: { type: String, required: true }, storeId: String, createdAt: Date }, { ...opts, collection: 'store_meta' });

  return {
    messages: conn.model<MessageDoc>('JournalMessage', messages),
    destinations: conn.model<DestinationDoc>('JournalDestination', destinations),
    hops: conn.model<HopDoc>('JournalHop', hops),
    deliveries: conn.model<DeliveryDoc>('Delivery', deliveries),
    ingressKeys: conn.model<IngressKeyDoc>('IngressKey', ingressKeys),
    deliveryClaims: conn.model<DeliveryClaimDoc>('DeliveryClaim', deliveryClaims),
    deadLetters: conn.model<DeadLetterDoc>('DeadLetter', deadLetters),
    xrefs: conn.model<XrefDoc>('Xref', xrefs),
    files: conn.model<FileDoc>('FileClaim', files),
    jobRuns: conn.model<JobRunDoc>('JobRun', jobRuns),
    jobItems: conn.model<JobItemDoc>('JobItem', jobItems),
    locks: conn.model<LockDoc>('Lock', locks),
    jobEffects: conn.model<JobEffectDoc>('JobEffect', jobEffects),
    kv: conn.model<KvDoc>('KeyValue', kv),
    configHistory: conn.model<ConfigHistoryDoc>('ConfigHistory', configHistory),
    configVersions: conn.model<ConfigVersionDoc>('ConfigVersion', configVersions),
    audit: conn.model<AuditDoc>('AuditEntry', audit),
    meta: conn.model<StoreMetaDoc>('StoreMeta', meta),
  };
}

/** MongoDB's duplicate-key error: the unique index said someone else was first. */
export function isDuplicateKey(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 11000;
}
