import type { CanonicalEnvelope } from '@bus/canonical-model';

/** A time given to a store: a Date or an ISO-8601 string. Stores always answer with ISO strings. */
export type TimeInput = Date | string;

/** Where a message stands overall, derived from its destinations (see message-status.ts). */
export type MessageStatus = 'accepted' | 'delivered' | 'partially-delivered' | 'dead' | 'discarded' | 'unrouted';

/** Where a message stands at one destination. `failed` is a query that was not answered. */
export type DestinationStatus = 'pending' | 'retrying' | 'delivered' | 'dead' | 'discarded' | 'failed';

/** What happened to a message at one point of its life. */
export type HopKind =
  | 'received'
  | 'routed'
  | 'attempt'
  | 'delivered'
  | 'retry-scheduled'
  | 'dead-lettered'
  | 'replayed'
  | 'discarded'
  | 'query'
  | 'duplicate-skipped';

/** One entry of a message's history. */
export interface Hop {
  /** ISO-8601. */
  at: string;
  kind: HopKind;
  destination?: string;
  /** Delivery attempt at that destination, counting from 1. */
  attempt?: number;
  /** e.g. `failed`, `answered`, `timeout`. */
  outcome?: string;
  statusCode?: number;
  /** `AREA.REASON: message` of the failure. */
  error?: string;
  durationMs?: number;
  detail?: string;
}

/** The native payload as the source sent it, cut to `journal.maxRawBytes`. */
export interface RawNative {
  contentType: string;
  /** `utf8` for textual content types, `base64` for anything else. */
  encoding: 'utf8' | 'base64';
  data: string;
  /** Size of the whole native body in bytes. */
  bytes: number;
  truncated: boolean;
}

/** A route that matched: which rule sent the message to which destination. */
export interface RouteRef {
  route: string;
  destination: string;
}

export interface DestinationState {
  status: DestinationStatus;
  attempts: number;
}

/** What the journal knows about a message when it is received. */
export interface JournalMessageInput {
  id: string;
  type: string;
  source: string;
  correlationId: string;
  causationId?: string;
  configVersion?: string;
  /** ISO-8601. */
  receivedAt: string;
  /** `unrouted` when no route matched; every other status is derived from the hops. */
  initialStatus: 'accepted' | 'unrouted';
  rawNative?: RawNative;
  /** The parsed form, for writers that have no text; a store takes `canonicalJson` when both are given. */
  canonical?: CanonicalEnvelope;
  /**
   * `canonical` as JSON text; the Journal gives only this, so its buffer holds one string per message rather
   * than an object graph. A store that keeps text writes it as it is; the SQLite journal hands it to its writer
   * thread as one string.
   */
  canonicalJson?: string;
  routes: RouteRef[];
  /** Values of the message's business keys (`businessKeys:` in bus.yaml), indexed for search. */
  businessKeys?: string[];
}

/** One write to the journal; `appendEvents` applies a batch of them in order. */
export type JournalEvent =
  | { kind: 'message'; message: JournalMessageInput }
  | { kind: 'hop'; messageId: string; hop: Hop };

/** A journalled message with its state per destination. */
export interface JournalMessage {
  id: string;
  type: string;
  source: string;
  correlationId: string;
  causationId?: string;
  configVersion?: string;
  receivedAt: string;
  status: MessageStatus;
  rawNative?: RawNative;
  canonical?: CanonicalEnvelope;
  routes: RouteRef[];
  destinations: Record<string, DestinationState>;
  /** Values of its business keys; absent when it has none. */
  businessKeys?: string[];
}

/** A message without its bulky parts, as search lists it. */
export type MessageSummary = Omit<JournalMessage, 'rawNative' | 'canonical'>;

/** `GET /admin/messages/{id}`: the message and every hop, oldest first. */
export interface MessageHistory {
  message: JournalMessage;
  hops: Hop[];
}

export interface MessageSearch {
  /** The message itself. */
  id?: string;
  correlationId?: string;
  /** A value of one of its business keys, e.g. a booking ref. */
  businessKey?: string;
  /** Matches the source system or any destination. */
  system?: string;
  type?: string;
  status?: MessageStatus;
  since?: TimeInput;
  until?: TimeInput;
  /** Default 50, at most 500. */
  limit?: number;
  /** `nextCursor` of the previous page. */
  cursor?: string;
}

/** One page of a keyset-paginated list, newest first. */
export interface Page<T> {
  items: T[];
  /** Absent on the last page. */
  nextCursor?: string;
}

/** What a destination said when it took a message; kept in the idempotency ledger. */
export interface DeliveryRecordReceipt {
  status?: number;
  nativeId?: string;
}

/**
 * `claimed`: a publish under the key was started and its outcome is unknown (not confirmed, failed, or
 * lost with the connection); `confirmed`: the broker confirmed it.
 */
export type IngressClaimState = 'claimed' | 'confirmed';

export interface IngressClaim {
  /** The id of the message that holds the key: the caller's own when it won, else the original. */
  messageId: string;
  /** The holder's correlation id; absent on claims written before it was kept. */
  correlationId?: string;
  /** True when another message id holds the key. */
  duplicate: boolean;
  state: IngressClaimState;
}

/**
 * Where one (message, destination) stands for a copy asking to send it: already `delivered` (skip it),
 * `claimed` by the asker until `expiresAt` (epoch ms), or `held` by another copy's live lease.
 */
export type DeliveryClaim =
  | { state: 'delivered' }
  | { state: 'claimed'; expiresAt: number }
  | { state: 'held'; owner: string; expiresAt: number };

/**
 * `dead` waits for an operator; `replaying` is claimed by one replay (owner and time set) that
 * publishes it; `replayed` and `discarded` are final.
 */
export type DeadLetterState = 'dead' | 'replaying' | 'replayed' | 'discarded';

export interface DeadLetterInput {
  /**
   * The id the consumer gave the broker copy (`x-bus-dead-letter-id`); recording the same id twice
   * keeps the first entry. A new id is made when absent.
   */
  id?: string;
  messageId: string;
  /** The destination system the message could not be delivered to. */
  destination: string;
  type: string;
  source: string;
  errorCode: string;
  errorMessage: string;
  attempts: number;
  at?: TimeInput;
  envelope: CanonicalEnvelope;
  /** Bus headers worth keeping for a replay (routes, config version, accepted-at). */
  headers?: Record<string, unknown>;
}

export interface DeadLetter extends Omit<DeadLetterInput, 'at' | 'id'> {
  id: string;
  at: string;
  state: DeadLetterState;
  /** Why it was discarded, or why its last replay failed (while `dead` again). */
  reason?: string;
  resolvedAt?: string;
  /** The replay that holds (or last held) the claim, and when it claimed it. */
  claimedBy?: string;
  claimedAt?: string;
}

/** What {@link BusStore.claimDeadLetter} answers: the entry as it stands after the attempt. */
export interface DeadLetterClaim {
  /** True when this caller now holds the claim and alone may publish the entry. */
  claimed: boolean;
  /** Null when no dead letter has this id. */
  letter: DeadLetter | null;
}

export interface DeadLetterSearch {
  /** The destination system. */
  system?: string;
  /** The message the dead letter holds (the reconciler matches broker copies without an id header by it). */
  messageId?: string;
  source?: string;
  type?: string;
  since?: TimeInput;
  until?: TimeInput;
  /** Default `dead` (the ones still waiting for an operator); `all` for every state. */
  state?: DeadLetterState | 'all';
  /** Default 50, at most 500. */
  limit?: number;
  cursor?: string;
}

export type FileOutcome = 'processed' | 'failed';

export interface FileRecord {
  sha256: string;
  system: string;
  fileName: string;
  claimedAt: string;
  status: 'processing' | FileOutcome;
  detail?: string;
  completedAt?: string;
  /** The reader holding the claim while `processing` (absent once released or completed). */
  owner?: string;
  /** ISO time the reader's lease runs out; a `processing` claim past it is taken over by the next claim. */
  leaseUntil?: string;
  /** The reader's last saved progress (JSON); a reader taking over resumes after it. */
  checkpoint?: FileCheckpoint;
}

/** What a file reader saves as it goes (lines done, byte offset, counts so far); opaque JSON to the store. */
export type FileCheckpoint = Record<string, unknown>;

/**
 * The answer to a lease claim of a file: `new` (never seen: read it), `resume` (left `processing` by a
 * reader whose lease ran out or who released it: read on after `checkpoint`), `done` (read before), `busy`
 * (another reader's lease is live: leave the file alone).
 */
export interface FileLease {
  outcome: 'new' | 'resume' | 'done' | 'busy';
  checkpoint?: FileCheckpoint;
  /** `busy`: who holds it. */
  owner?: string;
}

export type JobRunState = 'running' | 'completed' | 'failed' | 'stopped' | 'interrupted';

/** One run of a scheduled or on-demand batch job. `data` is the job's own progress record. */
export interface JobRun {
  id: string;
  name: string;
  state: JobRunState;
  /** ISO-8601. */
  startedAt: string;
  finishedAt?: string;
  trigger?: 'schedule' | 'manual' | 'resume';
  /** Instance that runs it. */
  owner?: string;
  /** The run key (schedule slot, the key given to run, or the day's default); part of `id`. */
  runKey?: string;
  /** 1, plus one per forced run of a completed run key. */
  pass?: number;
  total?: number;
  error?: string;
  data?: Record<string, unknown>;
}

export type JobItemStep = 'printed' | 'emailed' | 'failed';

/** One recipient of a job run; marks are durable so a resumed run skips what was done. */
export interface JobItem {
  runId: string;
  itemKey: string;
  printed: boolean;
  emailed: boolean;
  /** Set by a `failed` mark, cleared by a later `printed` or `emailed`. */
  failed: boolean;
  detail?: string;
  updatedAt: string;
}

/** Which of a run's items `jobItems` returns; every item without one. */
export interface JobItemFilter {
  /** true: only items whose last mark is a failure (in-flight marks included); false: only the others. */
  failed?: boolean;
}

export interface JobItemCounts {
  total: number;
  printed: number;
  emailed: number;
  failed: number;
}

/** What a mail-merge job does to a recipient that cannot be undone. */
export type JobEffectKind = 'print' | 'email';

/**
 * Where one effect stands. `started` is written durably before the effect and `done`/`failed` after it;
 * a `started` found after a crash becomes `done` or `retry` when the target can say whether it got it,
 * else `unknown`, which only an operator resolves. `retry`: the target said it never got it.
 */
export type JobEffectState = 'started' | 'done' | 'failed' | 'unknown' | 'retry';

/** One effect of a job run: the ledger's key. */
export interface JobEffectKey {
  job: string;
  /** The run key: a schedule slot, a key given to run, or the day's default. */
  runKey: string;
  /** The recipient's item key (customer id). */
  recipient: string;
  effect: JobEffectKind;
}

export interface JobEffect extends JobEffectKey {
  state: JobEffectState;
  /** The system it goes to, e.g. `letters` or `mailer`. */
  target: string;
  /** Pass of the run key that last started it: 1, plus one per forced run. */
  pass: number;
  /** Bus instance that last started it. */
  owner?: string;
  /** Receipt, failure reason, or why the outcome is unknown. */
  detail?: string;
  /** ISO-8601: the last `started`. */
  startedAt: string;
  updatedAt: string;
}

/** What `claimJobEffect` wants to write. */
export interface JobEffectStart {
  target: string;
  pass: number;
  owner: string;
  /** Also claim an effect that `failed` in this pass (retrying failures). */
  retryFailed?: boolean;
}

/** `claimed`: `effect` is now `started` for the caller, who may perform it. Otherwise `effect` is the row as found. */
export interface JobEffectClaim {
  claimed: boolean;
  effect: JobEffect;
}

export interface JobEffectSearch {
  runKey?: string;
  state?: JobEffectState;
  /** At most this many (default 500). */
  limit?: number;
}

export type JobEffectCounts = Record<JobEffectState, number>;

/** How a config version came to be applied. */
export type ConfigTrigger = 'startup' | 'watch' | 'reload' | 'apply' | 'rollback';

/** One application of a config version (the same version may be applied again, by a rollback). */
export interface ConfigHistoryEntry {
  version: string;
  /** ISO time. */
  appliedAt: string;
  /** The admin token's name, or `bus` for the bus itself (startup, a watched file). */
  appliedBy: string;
  reason: string;
  trigger: ConfigTrigger;
  previousVersion: string | null;
}

/** A recorded version with its content: bus.yaml and every mapping and template, by relative path. */
export interface ConfigVersionRecord extends Omit<ConfigHistoryEntry, 'previousVersion'> {
  files: Record<string, string>;
}

export interface ConfigHistorySearch {
  /** Default 50, at most 500. */
  limit?: number;
  cursor?: string;
}
