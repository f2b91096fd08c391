import { Inject, Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { ErrorCodes } from '@bus/canonical-model';
import type { AdapterInstance, InputLedger, NativeMessage } from '@bus/adapters';
import type { SystemRuntime } from '../config/active-config';
import { BUS_STORE, type BusStore } from '../store/bus-store';
import { InboundPipeline } from './inbound.pipeline';
import { InboundRejection } from './inbound-rejection';
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
    const ledger: InputLedger = {
      claim: (sha256, name) => this.store.claimFile(sha256, system.name, name),
      complete: async (sha256, outcome, detail) => {
        await this.store.completeFile(sha256, outcome, detail);
        await this.fileUsage.completed(sha256);
      },
      release: (sha256) => {
        this.fileUsage.released(sha256);
        return this.store.releaseFile(sha256);
      },
    };
    const done = instance
      .listen!((msg) => this.receive(system, msg), abort.signal, ledger)
      .catch((err: Error) => this.logger.error(logLine(`Inbound adapter of ${system.name} (${system.adapter.id}) stopped: ${err.message}. Fix the cause and reload the config.`, { system: system.name })));
    return { abort, done };
  }

  /**
   * One pulled item; resolves once it is published, so the adapter applies backpressure. A refused
   * item is parked as a dead letter and the refusal rethrown, so the adapter lists it in its report
   * and goes on; any other error leaves the input to be read again.
   */
  async receive(system: SystemRuntime, msg: NativeMessage): Promise<void> {
    const meta = msg.meta ?? {};
    // A file row keeps the same key when the file is read again after a crash: no duplicate publish.
    const idempotencyKey = meta.sha256 !== undefined && meta.line !== undefined ? `file:${meta.sha256}:${meta.line}` : undefined;
    try {
      if (meta.error) throw new InboundRejection(ErrorCodes.CODEC_PARSE_FAILED, `${system.name}: ${String(meta.error)}`, [{ path: locationOf(meta), message: String(meta.error) }]);
      await this.pipeline.receive(system, msg, { idempotencyKey });
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

function locationOf(meta: Record<string, unknown>): string {
  const line = meta.errorLine ?? meta.line;
  const column = meta.errorColumn ?? meta.column;
  const parts = [meta.fileName && `file ${String(meta.fileName)}`, line !== undefined && `line ${String(line)}`, column !== undefined && `column ${String(column)}`];
  return parts.filter(Boolean).join(', ') || 'input';
}
