import type {
  ConfigHistoryEntry,
  ConfigHistorySearch,
  ConfigVersionRecord,
  DeadLetter,
  DeadLetterClaim,
  DeadLetterInput,
  DeadLetterSearch,
  DeliveryClaim,
  DeliveryRecordReceipt,
  FileCheckpoint,
  FileLease,
  FileOutcome,
  FileRecord,
  IngressClaim,
  JobItem,
  JobItemCounts,
  JobItemFilter,
  JobItemStep,
  JobRun,
  JobEffect,
  JobEffectClaim,
  JobEffectCounts,
  JobEffectKey,
  JobEffectSearch,
  JobEffectStart,
  JobEffectState,
  JournalEvent,
  MessageHistory,
  MessageSearch,
  MessageSummary,
  Page,
  TimeInput,
} from './store.types';
import type { AuditEntry, AuditInput, AuditSearch, WaitingMessages } from './console.types';

export type * from './store.types';
export type * from './console.types';

/** Nest injection token for the one `BusStore` of the process. */
export const BUS_STORE = Symbol('BUS_STORE');

/**
 * Everything the bus keeps beyond the broker: the message journal, the idempotency ledger,
 * ingress dedup keys, dead letters, id cross-references, the file ledger, job state and locks.
 * Two implementations pass the same contract suite (store.contract.ts): embedded SQLite
 * (the default) and MongoDB (when MONGODB_URI is set). All methods are async so both fit.
 */
export interface BusStore {
  /** `sqlite` or `mongodb`, for logs and health. */
  readonly kind: string;

  // --- identity ---
  /**
   * The store's id: a UUID created once, atomically, the first time the store (file or database) is
   * opened, and the same for every later open and every connection. Bus instances compare it to
   * tell whether they share one store (instances/).
   */
  storeId(): Promise<string>;

  // --- journal (an audit aid: written in batches by the Journal service) ---
  /** Applies a batch of journal events in order, in one write. */
  appendEvents(events: JournalEvent[]): Promise<void>;
  /** The message and all its hops (oldest first), or null when unknown or expired. */
  getMessage(id: string): Promise<MessageHistory | null>;
  /** Newest first, keyset-paginated by (receivedAt, id). */
  searchMessages(query: MessageSearch): Promise<Page<MessageSummary>>;
  /** Per destination, messages routed to it and not yet delivered, dead or discarded (pending or retrying), and the oldest one's receivedAt. */
  waitingByDestination(): Promise<Record<string, WaitingMessages>>;

  // --- idempotency ledger: durable when the promise resolves, so the consumer may ack after it ---
  isDelivered(messageId: string, destination: string): Promise<boolean>;
  /** Idempotent: recording the same delivery twice keeps the first record. Ends any delivery claim of the pair. */
  recordDelivered(messageId: string, destination: string, receipt?: DeliveryRecordReceipt): Promise<void>;
  /**
   * Atomic lease on sending (message, destination), so two copies never send at once, across
   * instances: `claimed` when free, expired (its holder died) or already `owner`'s (renewed for
   * `ttlMs`); `held` while another owner's lease lives; `delivered` once the ledger has the pair
   * (checked after the lease, so a holder that recorded and let go is always seen).
   */
  claimDelivery(messageId: string, destination: string, owner: string, ttlMs: number): Promise<DeliveryClaim>;
  /** Lets go of `owner`'s claim (a failed send), so another copy may send now. */
  releaseDelivery(messageId: string, destination: string, owner: string): Promise<void>;

  // --- ingress dedup ---
  /**
   * Atomic, first writer wins: a later claim of the same (system, key) gets the holder back (its
   * message id, correlation id and state). A new claim starts in state `claimed`.
   */
  claimIngressKey(system: string, key: string, messageId: string, correlationId?: string): Promise<IngressClaim>;
  /** Marks the claim of `messageId` `confirmed` once the broker confirmed its publish. */
  confirmIngressKey(system: string, key: string, messageId: string): Promise<void>;
  /** Forgets a claim (an operator's undo; the dispatcher never releases one). With `messageId`, only that claim. */
  releaseIngressKey(system: string, key: string, messageId?: string): Promise<void>;

  // --- dead letters ---
  /** Idempotent by `input.id`: recording an id that exists returns the stored entry unchanged. */
  recordDeadLetter(input: DeadLetterInput): Promise<DeadLetter>;
  /** Newest first; by default only the ones still in state `dead`. */
  listDeadLetters(query: DeadLetterSearch): Promise<Page<DeadLetter>>;
  getDeadLetter(id: string): Promise<DeadLetter | null>;
  /** The entries among `ids` that exist, in no particular order. */
  getDeadLetters(ids: readonly string[]): Promise<DeadLetter[]>;
  /**
   * Moves a dead letter from `dead` to a final state (a discard). Atomic: only one of two
   * concurrent calls, and none after a claim, gets true.
   */
  markDeadLetter(id: string, state: 'replayed' | 'discarded', reason?: string): Promise<boolean>;
  /**
   * Compare-and-set `dead` -> `replaying` for `owner`; a `replaying` claim older than `leaseMs`
   * (its replayer died) is taken over the same way. Of concurrent claims, across instances
   * sharing the store, exactly one wins; only the winner may publish the entry.
   */
  claimDeadLetter(id: string, owner: string, leaseMs: number): Promise<DeadLetterClaim>;
  /** `replaying` (held by `owner`) -> `replayed`. False when the claim was lost (taken over after its lease). */
  completeDeadLetterClaim(id: string, owner: string): Promise<boolean>;
  /** `replaying` (held by `owner`) -> `dead`, keeping `reason` (why the replay failed) visible. */
  releaseDeadLetterClaim(id: string, owner: string, reason: string): Promise<boolean>;
  /** Every `replaying` claim made before `olderThan` goes back to `dead` with `reason`; returns how many. */
  releaseStaleDeadLetterClaims(olderThan: TimeInput, reason: string): Promise<number>;
  /** Dead letters not yet resolved (`dead` or `replaying`), by destination: what the broker's dead-letter queues should hold. */
  countOpenDeadLetters(): Promise<Record<string, number>>;

  // --- id cross-reference ---
  /** Links a canonical id to a system's native id. The first link wins; returns false when one existed. */
  linkXref(entity: string, canonicalId: string, system: string, nativeId: string): Promise<boolean>;
  findNativeId(entity: string, canonicalId: string, system: string): Promise<string | null>;
  findCanonicalId(entity: string, system: string, nativeId: string): Promise<string | null>;

  // --- file ledger ---
  /** True the first time a file's content hash is claimed; false for every later drop of the same content. */
  claimFile(sha256: string, system: string, fileName: string): Promise<boolean>;
  completeFile(sha256: string, outcome: FileOutcome, detail?: string): Promise<void>;
  getFile(sha256: string): Promise<FileRecord | null>;
  /** Forgets a claim (an operator re-running a file on purpose). */
  releaseFile(sha256: string): Promise<void>;
  /**
   * Claims a file for `owner` for `leaseMs`, atomically (also across instances sharing the store): `new`,
   * `resume` (a `processing` claim with no live lease: the caller takes it over, with the last checkpoint),
   * `done` or `busy` (another owner's lease is live).
   */
  claimFileLease(sha256: string, system: string, fileName: string, owner: string, leaseMs: number): Promise<FileLease>;
  /**
   * Renews `owner`'s lease for `leaseMs` and, when given, replaces the checkpoint. False when `owner` no
   * longer holds the claim (taken over after its lease ran out, or completed): the reader must stop.
   */
  saveFileCheckpoint(sha256: string, owner: string, leaseMs: number, checkpoint?: FileCheckpoint): Promise<boolean>;
  /** Gives up `owner`'s lease and keeps the checkpoint, so the next claim resumes at once. */
  releaseFileLease(sha256: string, owner: string): Promise<void>;

  // --- jobs ---
  /** Inserts or replaces the run with this id. */
  saveJobRun(run: JobRun): Promise<void>;
  getJobRun(id: string): Promise<JobRun | null>;
  /** The run of this job with the latest startedAt. */
  latestJobRun(name: string): Promise<JobRun | null>;
  /** Durable when it resolves; `printed`/`emailed` clear an earlier `failed`. */
  markJobItem(runId: string, itemKey: string, step: JobItemStep, detail?: string): Promise<void>;
  /** By item key; `filter` narrows them (progress reads the failed ones only, not all of a large run). */
  jobItems(runId: string, filter?: JobItemFilter): Promise<JobItem[]>;
  jobItemCounts(runId: string): Promise<JobItemCounts>;
  /** Lease lock: true when `owner` now holds `name` for `ttlMs` (free, expired, or already its own: renewed). */
  tryAcquireLock(name: string, owner: string, ttlMs: number): Promise<boolean>;
  /** Releases only when `owner` holds it. */
  releaseLock(name: string, owner: string): Promise<void>;

  // --- job effects ledger: one row per (job, run key, recipient, effect), durable when the promise resolves ---
  /**
   * Writes `started` before an effect. Claims a new effect, one in `retry`, one `done` or `failed` in an
   * earlier pass, or (with `retryFailed`) one that `failed`; never one `started` or `unknown`.
   * Atomic: of two concurrent claims of one effect, one wins.
   */
  claimJobEffect(key: JobEffectKey, start: JobEffectStart): Promise<JobEffectClaim>;
  /** Compare-and-set: moves the effect to `to` only when it is in one of `from`; false otherwise. */
  transitionJobEffect(key: JobEffectKey, from: readonly JobEffectState[], to: JobEffectState, detail?: string, owner?: string): Promise<boolean>;
  /** A job's effects, by run key, recipient and effect. */
  listJobEffects(job: string, search?: JobEffectSearch): Promise<JobEffect[]>;
  /** Effects per state, of one run key or of every run key of the job. */
  jobEffectCounts(job: string, runKey?: string): Promise<JobEffectCounts>;

  // --- audit trail: every change an operator made (replay, discard, edit, job run/stop, reload) ---
  /** Appends one entry; durable when it resolves. */
  recordAudit(entry: AuditInput): Promise<AuditEntry>;
  /** Newest first, keyset-paginated by (at, id). Never purged by retention: an audit trail outlives the journal. */
  listAudit(query: AuditSearch): Promise<Page<AuditEntry>>;

  // --- key-value state (small shared state of a feature, e.g. an aggregation's open groups) ---
  /** The value under (namespace, key), or null when absent or expired. */
  getValue<V = unknown>(namespace: string, key: string): Promise<V | null>;
  /** Stores a JSON-serialisable value; with `ttlMs` it expires after that long. */
  setValue(namespace: string, key: string, value: unknown, ttlMs?: number): Promise<void>;
  deleteValue(namespace: string, key: string): Promise<void>;
  /** Every live entry of a namespace, by key. */
  listValues<V = unknown>(namespace: string): Promise<Array<{ key: string; value: V }>>;

  // --- config history ---
  /**
   * Records one application of a config version; the content is kept once per version. Never
   * purged: the history is what a rollback needs, and it grows only when someone changes the config.
   */
  recordConfigVersion(entry: ConfigHistoryEntry, files: Record<string, string>): Promise<void>;
  /** Applications, newest first (keyset-paginated). */
  listConfigHistory(search?: ConfigHistorySearch): Promise<Page<ConfigHistoryEntry>>;
  /** A version's content and its latest application, or null when it was never applied here. */
  getConfigVersion(version: string): Promise<ConfigVersionRecord | null>;

  // --- retention ---
  /**
   * Deletes journal entries, delivery records, ingress keys, resolved dead letters, finished job
   * runs and settled job effects (done, failed, retry) older than `date`. Open dead letters, xrefs,
   * the file ledger and effects `started` or `unknown` are kept.
   */
  purgeOlderThan(date: TimeInput): Promise<void>;
  /** Safe to call twice. */
  close(): Promise<void>;
}

/** Settings both stores take. */
export interface StoreOptions {
  /** Journal retention; default 30 days. */
  retentionMs?: number;
  /** How often the embedded store purges; default 1 hour. MongoDB uses TTL indexes instead. */
  purgeIntervalMs?: number;
}

export const DEFAULT_RETENTION_MS = 30 * 24 * 60 * 60 * 1000;

/** ISO string of a TimeInput, or undefined. Throws on an unparsable time, naming the field. */
export function toIso(value: TimeInput | undefined, field: string): string | undefined {
  if (value === undefined || value === '') return undefined;
  const d = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(d.getTime())) throw new RangeError(`${field}: "${String(value)}" is not an ISO-8601 time`);
  return d.toISOString();
}

/** Page size within [1, 500]; default 50. */
export function pageLimit(limit: number | undefined): number {
  if (limit === undefined || !Number.isFinite(limit)) return 50;
  return Math.min(500, Math.max(1, Math.floor(limit)));
}
