import type { LoggerService } from '@nestjs/common';

/**
 * Bytes as a legacy system speaks them, plus the little the transport knows about them.
 * Codecs turn `body` into JS values; mappings turn those into canonical drafts.
 */
export interface NativeMessage {
  body: Buffer;
  /** MIME type, e.g. `application/json`, `application/xml`, `text/csv`. */
  contentType: string;
  /** Transport metadata: HTTP headers, a file name, a CSV line number, … */
  meta?: Record<string, string | number | undefined>;
  /**
   * Outbound only, optional: the value the codec encoded into `body`. Transports that build a URL
   * from fields (HTTP GET queries) read it instead of parsing `body` again.
   */
  value?: unknown;
}

/** What a destination said when it accepted a message. */
export interface DeliveryReceipt {
  /** Transport status, e.g. the HTTP status code. */
  status?: number;
  /** The destination's own id for what it created, when it tells us (used for id cross-reference). */
  nativeId?: string;
  /** The decoded or raw answer body, for request-reply and cross-reference. */
  body?: Buffer;
  contentType?: string;
}

export interface AdapterHealth {
  status: 'up' | 'down';
  /** Why it is down, in words an operator can act on. */
  detail?: string;
}

/**
 * What a pulling adapter saved of its progress through one input (line, byte offset, counts so far).
 * Opaque to the host: it keeps it as JSON and hands it back when the input is resumed.
 */
export type InputProgress = Record<string, unknown>;

/**
 * The host's answer to a claim. `new`: read it; `resume`: a reader stopped (or died) before the end,
 * read on after `progress` (none saved: from the start); `done`: read before; `busy`: another live reader
 * holds it, leave it alone. `true` and `false` are short for `new` and `done` (a ledger without leases).
 */
export type InputClaim =
  | boolean
  | { outcome: 'new' | 'done' }
  | { outcome: 'resume'; progress?: InputProgress }
  | { outcome: 'busy'; owner?: string };

/**
 * Lets a pulling adapter read each input (a file, by content hash) once across restarts and
 * instances, and resume one whose reader died; the bus keeps it in its store.
 */
export interface InputLedger {
  /** Claims `sha256` for this reader for `leaseMs`; the reader keeps the lease with `checkpoint` while it reads. */
  claim(sha256: string, name: string, leaseMs: number): Promise<InputClaim>;
  /**
   * Renews the lease for `leaseMs` and, when given, saves `progress`. False: the claim is no longer this
   * reader's (its lease ran out and another took it over): stop reading, and do not release or complete it.
   * Optional: without it, leases are not renewed and nothing is resumed.
   */
  checkpoint?(sha256: string, leaseMs: number, progress?: InputProgress): Promise<boolean>;
  complete(sha256: string, outcome: 'processed' | 'failed', detail?: string): Promise<void>;
  /** Reading stopped before the end: give up the lease, keeping the progress, so the next claim resumes. */
  release(sha256: string): Promise<void>;
}

/** What the host may answer for one pulled record; nothing means accepted. */
export interface InputOutcome {
  /** The host had accepted the same record before (its business key): not published again. */
  duplicate?: boolean;
}

/** Per-send facts that stay the same across redeliveries. */
export interface SendContext {
  /** `<message id>:<destination system>`; the destination uses it to drop duplicates. */
  idempotencyKey: string;
  messageId: string;
  correlationId: string;
  type: string;
}

/**
 * A destination's answer to "did the send with this context arrive?", asked after a crash left a
 * send's outcome unknown. `delivered` and `absent` are the destination's own word; `unknown` when
 * it cannot tell (the detail says why).
 */
export interface SendLookup {
  outcome: 'delivered' | 'absent' | 'unknown';
  detail: string;
}

/** Per-request facts for request-reply queries. */
export interface RequestContext {
  messageId: string;
  correlationId: string;
  /** Canonical query type, e.g. `billing-period.get`. */
  type: string;
  /** Absolute deadline; the adapter aborts its call at this time. */
  deadline: number;
}

export interface AdapterCapabilities {
  /** Native → canonical: the adapter can bring messages into the bus. */
  inbound?: boolean;
  /** Canonical → native: the adapter can deliver messages. */
  outbound?: { idempotent: boolean };
  /** The adapter can answer synchronous queries (request-reply). */
  query?: boolean;
  maturity: 'stable' | 'beta' | 'experimental';
}

export interface AdapterContext {
  /** System name from bus.yaml, e.g. `billing`; put it in every log line. */
  instanceName: string;
  logger: LoggerService;
  now(): Date;
}

/**
 * One configured system's transport. Codec and mapping are composed around it by the bus,
 * so a transport never parses or maps business data.
 */
export interface AdapterInstance {
  connect?(): Promise<void>;
  /** Safe to call twice. */
  close?(): Promise<void>;
  /** Reports, never throws. */
  checkHealth(): Promise<AdapterHealth>;
  /**
   * Inbound transports that pull (folders, mailboxes) call `onNative` for each message and
   * resolve when `signal` aborts. HTTP inbound goes through the bus's ingress endpoint instead.
   */
  listen?(onNative: (msg: NativeMessage) => Promise<void | InputOutcome>, signal: AbortSignal, ledger?: InputLedger): Promise<void>;
  /** Throws TransientDeliveryError or PermanentDeliveryError. */
  send?(msg: NativeMessage, ctx: SendContext): Promise<DeliveryReceipt>;
  /**
   * Outbound, optional: asks the destination whether a `send` with this context and message `meta`
   * arrived. Only destinations that can answer implement it (a printer's job list, a spool folder);
   * an e-mail relay cannot. Reports, never throws.
   */
  lookup?(ctx: SendContext, meta?: NativeMessage['meta']): Promise<SendLookup>;
  /** Request-reply: sends a native query and returns the native answer. */
  request?(msg: NativeMessage, ctx: RequestContext): Promise<DeliveryReceipt>;
}

/** Inbound and outbound settings of one system, as written under `inbound:` / `outbound:` in bus.yaml. */
export interface AdapterConfigClasses<I extends object, O extends object> {
  inbound?: new () => I;
  outbound?: new () => O;
}

/**
 * An adapter kind: an id, declared capabilities, config classes and a factory.
 *
 * @example
 * export const httpAdapter = defineAdapter({
 *   id: 'http', summary: 'JSON/XML over HTTP', capabilities: { inbound: true, outbound: { idempotent: true }, maturity: 'stable' },
 *   config: { inbound: HttpInboundConfig, outbound: HttpOutboundConfig },
 *   create: (cfg, ctx) => new HttpInstance(cfg, ctx),
 * });
 */
export interface AdapterDefinition<I extends object = object, O extends object = object> {
  /** kebab-case; equals the folder name and `adapter:` in config/bus.yaml. */
  id: string;
  summary: string;
  capabilities: AdapterCapabilities;
  /** class-validator classes checked at startup for every configured instance. */
  config: AdapterConfigClasses<I, O>;
  create(config: { inbound?: I; outbound?: O }, ctx: AdapterContext): AdapterInstance;
  /** Optional: outbound settings that hold only with some codecs; each problem's path is under `outbound`. */
  codecProblems?(outbound: O, codec: string): Array<{ path: string; message: string }>;
}

export const defineAdapter = <I extends object, O extends object>(d: AdapterDefinition<I, O>) => d;
