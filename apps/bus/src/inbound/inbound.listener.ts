import { Inject, Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { instanceOwner } from '../instances/instance-owner';
import { ErrorCodes } from '@bus/canonical-model';
import type { AdapterInstance, InputLedger, InputOutcome, InputProgress, NativeMessage } from '@bus/adapters';
import type { SystemRuntime } from '../config/active-config';
import { BUS_STORE, type BusStore } from '../store/bus-store';
import { InboundPipeline } from './inbound.pipeline';
import { InboundRejection } from './inbound-rejection';
import { derivedMessageId, hashedMessageId, hashedTailRowId } from './envelope.factory';
import { FileUsageCounter } from '../processors/file-usage.counter';
import { logLine } from '../logging/log-line';

/** Dead-letter type of a pulled record the bus refused; its payload holds the native record. */
export const REJECTED_TYPE = 'inbound.rejected';

/**
 * Runs adapters that pull their input (folders, pollers). Each native item goes through the same
 * pipeline as HTTP ingress; an item the pipeline refuses (bad row, invalid record) is parked as a
 * dead letter with its reason and location, never dropped, and the listener goes on with the next.
 */
@Injectable()
export class InboundListener {
  private readonly logger = new Logger('inbound');

  constructor(
    private readonly pipeline: InboundPipeline,
    @Inject(BUS_STORE) private readonly store: BusStore,
    private readonly fileUsage: FileUsageCounter,
  ) {}

  start(system: SystemRuntime, instance: AdapterInstance): { abort: AbortController; done: Promise<void> } {
    const abort = new AbortController();
    const owner = instanceOwner(system.name);
    const done = instance
      .listen!((msg) => this.receive(system, msg), abort.signal, this.ledgerFor(system, owner))
      .catch((err: Error) => this.logger.error(logLine(`Inbound adapter of ${system.name} (${system.adapter.id}) stopped: ${err.message}. Fix the cause and reload the config.`, { system: system.name })));
    return { abort, done };
  }

  /**
   * The file ledger in the store, held by one running listener (`owner`: host, pid, system, run; a listener
   * started by a reload is another owner, so it waits for the drained one's lease). A checkpoint keeps the
   * adapter's progress and the file's usage counts together (`{ file, usage }`), so a reader taking over has
   * both as they were.
   */
  private ledgerFor(system: SystemRuntime, owner: string): InputLedger {
    return {
      claim: async (sha256, name, leaseMs) => {
        const lease = await this.store.claimFileLease(sha256, system.name, name, owner, leaseMs);
        if (lease.outcome !== 'resume') return lease;
        const saved = lease.checkpoint as FileCheckpointParts | undefined;
        this.fileUsage.resumed(sha256, saved?.usage);
        return saved?.file ? { outcome: 'resume', progress: saved.file } : { outcome: 'resume' };
      },
      // The usage counts of the lines the checkpoint covers: lines after it are still with the bus, and counted again on a resume.
      checkpoint: (sha256, leaseMs, progress) =>
        this.store.saveFileCheckpoint(sha256, owner, leaseMs, progress && { file: progress, usage: this.fileUsage.countsOf(sha256, checkpointLine(progress)) }),
      complete: async (sha256, outcome, detail) => {
        await this.store.completeFile(sha256, outcome, detail);
        await this.fileUsage.completed(sha256);
      },
      release: (sha256) => {
        this.fileUsage.released(sha256);
        return this.store.releaseFileLease(sha256, owner);
      },
    };
  }

  /**
   * One pulled item; resolves once it is published, so the adapter applies backpressure. A refused
   * item is parked as a dead letter and the refusal rethrown, so the adapter lists it in its report
   * and goes on; any other error leaves the input to be read again.
   */
  async receive(system: SystemRuntime, msg: NativeMessage): Promise<InputOutcome | undefined> {
    const meta = msg.meta ?? {};
    // A file row keeps its key and its message ids when the file is read again after a crash: no duplicate publish.
    const row = meta.sha256 !== undefined && meta.line !== undefined ? `${String(meta.sha256)}:${String(meta.line)}` : undefined;
    const idSeed = row && `${system.name}:${row}`;
    try {
      if (meta.error) throw new InboundRejection(ErrorCodes.CODEC_PARSE_FAILED, `${system.name}: ${String(meta.error)}`, [{ path: locationOf(meta), message: String(meta.error) }]);
      const result = await this.pipeline.receive(system, msg, { idempotencyKey: row && `file:${row}`, idSeed });
      return isDuplicate(result, idSeed) ? { duplicate: true } : undefined;
    } catch (err) {
      if (err instanceof InboundRejection) await this.park(system, msg, err);
      throw err;
    }
  }

  /**
   * Runs a corrected record through the pipeline again; returns the refusal instead of parking it.
   * With `idempotencyKey`, a second run of the same replay publishes nothing again.
   */
  async tryAgain(system: SystemRuntime, msg: NativeMessage, idempotencyKey?: string): Promise<InboundRejection | undefined> {
    try {
      await this.pipeline.receive(system, msg, { idempotencyKey });
      return undefined;
    } catch (err) {
      if (err instanceof InboundRejection) return err;
      throw err;
    }
  }

  /** Kept in the store's dead letters with the native record, so an operator can correct it and replay it. */
  private async park(system: SystemRuntime, msg: NativeMessage, rejection: InboundRejection): Promise<void> {
    const where = locationOf(msg.meta ?? {});
    const id = randomUUID();
    await this.store.recordDeadLetter({
      messageId: id,
      destination: system.name,
      source: system.name,
      type: REJECTED_TYPE,
      errorCode: rejection.code,
      errorMessage: `${rejection.message} (${where})`,
      attempts: 1,
      envelope: {
        id,
        type: REJECTED_TYPE,
        schemaVersion: 1,
        source: system.name,
        correlationId: id,
        occurredAt: new Date().toISOString(),
        payload: { native: msg.body.toString('utf8'), contentType: msg.contentType, meta: msg.meta ?? {}, details: rejection.details },
      },
    });
    const text = `${system.name}: refused ${where}: ${rejection.message}. Parked as dead letter ${id}; fix the record and replay it.`;
    this.logger.warn(logLine(text, { messageId: id, system: system.name, code: rejection.code, file: msg.meta?.fileName as string | undefined }));
  }
}

/** What the listener keeps as a file's checkpoint in the store. */
interface FileCheckpointParts {
  /** The adapter's progress (line, byte offset, report counts). */
  file?: InputProgress;
  /** Usage records counted per conference so far (FileUsageCounter). */
  usage?: Record<string, number>;
}

/**
 * A duplicate answer whose ids are the ones this row's messages get (derivedMessageId) is this row again
 * (read before a crash and again after it): it counts as passed. Other ids: another record had the key first.
 */
function isRowReadAgain(messageIds: string[], idSeed: string | undefined): boolean {
  return idSeed !== undefined && messageIds.every((id, i) => isRowId(id, idSeed, i));
}

/** Whether `id` is the id this row's `index`-th message gets, or one of the ids earlier versions gave it. */
function isRowId(id: string, idSeed: string, index: number): boolean {
  return id === derivedMessageId(idSeed, index) || id === hashedTailRowId(idSeed, index) || id === hashedMessageId(idSeed, index);
}

/**
 * Whether the record was another record's (its business key), for the file report. A file row whose every id is
 * another record's is one even when the Dispatcher published it again: with several rows of a file in flight,
 * the row holding the key first may not have confirmed it yet, and the Dispatcher then publishes under that
 * row's id (destinations keep one). Other input: as the Dispatcher answered.
 */
function isDuplicate(result: { duplicate: boolean; messageIds: string[] }, idSeed: string | undefined): boolean {
  if (idSeed === undefined) return result.duplicate;
  if (result.duplicate) return !isRowReadAgain(result.messageIds, idSeed);
  return result.messageIds.length > 0 && result.messageIds.every((id, i) => !isRowId(id, idSeed, i));
}

/** The last line a checkpoint covers (the file adapter's `line`); all lines when it names none. */
function checkpointLine(progress: InputProgress): number {
  return typeof progress.line === 'number' ? progress.line : Infinity;
}

function locationOf(meta: Record<string, unknown>): string {
  const line = meta.errorLine ?? meta.line;
  const column = meta.errorColumn ?? meta.column;
  const parts = [meta.fileName && `file ${String(meta.fileName)}`, line !== undefined && `line ${String(line)}`, column !== undefined && `column ${String(column)}`];
  return parts.filter(Boolean).join(', ') || 'input';
}
