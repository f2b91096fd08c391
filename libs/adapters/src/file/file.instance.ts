import { schedule, type ScheduledTask } from 'node-cron';
import type { AdapterContext, AdapterHealth, AdapterInstance, DeliveryReceipt, NativeMessage, SendContext } from '../adapter';
import { PermanentDeliveryError, TransientDeliveryError } from '../adapter.errors';
import { FileClient, UnsafeFileNameError } from './file.client';
import type { FileInboundConfig, FileOutboundConfig } from './file.config';
import { claimOutcome, MemoryFileLedger, type FileLedger } from './file.ledger';
import { asFileProgress, FileReportBuilder, summarize, type FileReport } from './file.report';
import { FileClaimKeeper } from './file.claim';
import { extensionFor, fillFileName, globToRegExp, isBookkeepingName, unsafeNameReason } from './file-names';
import { FileLog } from './file.log';
import { StopFile, streamFile, type FileColumns, type OnNative } from './file.stream';

export type { OnNative } from './file.stream';

/** Polling used when the folder cannot be watched (e.g. it does not exist yet). */
const FALLBACK_SCHEDULE = '*/10 * * * * *';

/**
 * One `adapter: file` system. Inbound: scans the drop folder (on a node-cron schedule, or on fs.watch
 * events) and streams each complete file record by record into the bus. Outbound: writes each message
 * as one file, atomically.
 */
export class FileInstance implements AdapterInstance {
  private readonly closing = new AbortController();
  private readonly memoryLedger = new MemoryFileLedger();
  private readonly log: FileLog;
  private readonly matches: RegExp;
  private listening?: Promise<void>;
  /** Hashes of files still in the drop folder, so a file left to a later scan is not read through again to hash it. */
  private readonly hashes = new Map<string, { fingerprint: string; sha256: string }>();
  /** The last scan left a file to a later one (busy elsewhere, or reading stopped). */
  private leftForLater = false;

  constructor(
    private readonly inbound: FileInboundConfig | undefined,
    private readonly outbound: FileOutboundConfig | undefined,
    private readonly client: FileClient,
    private readonly ctx: AdapterContext,
  ) {
    this.log = new FileLog(ctx);
    this.matches = globToRegExp(inbound?.pattern ?? '*');
  }

  /**
   * Reads complete files from the drop folder until `signal` aborts (or `close()`), then resolves.
   * Scans once at start, then on the schedule or on folder changes; scans never overlap.
   *
   * @param ledger the bus's file ledger; without one, hashes are remembered in memory for this process only.
   */
  listen(onNative: OnNative, signal: AbortSignal, ledger: FileLedger = this.memoryLedger): Promise<void> {
    if (!this.inbound) return Promise.reject(new Error(`file ${this.ctx.instanceName}: listen() needs inbound: settings with a dropDir`));
    const run = this.run(onNative, AbortSignal.any([signal, this.closing.signal]), ledger);
    this.listening = run.catch(() => undefined);
    return run;
  }

  private async run(onNative: OnNative, stop: AbortSignal, ledger: FileLedger): Promise<void> {
    let running: Promise<void> | undefined;
    let again = false;
    let retry: NodeJS.Timeout | undefined;
    const trigger = () => {
      if (stop.aborted) return;
      if (running) return void (again = true);
      running = (async () => {
        do {
          again = false;
          this.leftForLater = false;
          await this.scan(onNative, ledger, stop).then(
            () => this.log.scanSucceeded(),
            (e) => this.log.scanFailed(e),
          );
        } while (again && !stop.aborted);
        // A file another reader held, or one whose reading stopped, may be left with no folder event to come
        // (a bus restarted right after a crash finds its own old lease): look again once a lease could have run out.
        if (this.leftForLater && !stop.aborted && !retry) {
          retry = setTimeout(() => ((retry = undefined), trigger()), this.inbound!.leaseMs);
          retry.unref();
        }
      })().finally(() => (running = undefined));
    };
    let task: ScheduledTask | undefined;
    if (this.inbound!.schedule) {
      task = schedule(this.inbound!.schedule, trigger);
    } else {
      try {
        // The drop folder must exist before it can be watched.
        await this.client.prepareInbound();
        this.client.watch(
          trigger,
          (e) => {
            // The watcher is dead (folder removed, too many watches): keep reading by polling.
            this.log.watchFailed(e);
            task ??= schedule(FALLBACK_SCHEDULE, trigger);
          },
          stop,
        );
      } catch (e) {
        this.log.watchFailed(e);
        task = schedule(FALLBACK_SCHEDULE, trigger);
      }
    }
    trigger();
    await new Promise<void>((resolve) => {
      if (stop.aborted) return resolve();
      stop.addEventListener('abort', () => resolve(), { once: true });
    });
    await task?.destroy();
    clearTimeout(retry);
    await running;
  }

  /** One pass over the drop folder; returns the reports of the files it finished. */
  async scan(onNative: OnNative, ledger: FileLedger = this.memoryLedger, signal: AbortSignal = this.closing.signal): Promise<FileReport[]> {
    const reports: FileReport[] = [];
    // Every scan, so a processed/ folder an operator removed comes back.
    await this.client.prepareInbound();
    const names = await this.client.list();
    for (const known of this.hashes.keys()) if (!names.includes(known)) this.hashes.delete(known);
    for (const name of names) {
      if (signal.aborted) break;
      if (isBookkeepingName(name) || !this.matches.test(name)) continue;
      const unsafe = unsafeNameReason(name);
      if (unsafe) {
        this.log.unsafeName(name, unsafe);
        continue;
      }
      const report = await this.processFile(name, onNative, ledger, signal);
      if (report) reports.push(report);
    }
    return reports;
  }

  /** Reads one file if it is complete; undefined when it is not ready yet or reading stopped early. */
  async processFile(name: string, onNative: OnNative, ledger: FileLedger, signal: AbortSignal): Promise<FileReport | undefined> {
    const cfg = this.inbound!;
    if (!(await this.client.isReady(name, cfg.readiness, cfg.stableMs, signal)) || signal.aborted) return undefined;
    let sha256: string;
    try {
      sha256 = await this.hashOf(name);
    } catch (e) {
      // Gone between listing and reading (another instance took it), or unreadable: the next scan decides.
      this.log.unreadable(name, e);
      return undefined;
    }
    const base = { system: this.ctx.instanceName, file: name, sha256 };
    const claim = claimOutcome(await ledger.claim(sha256, name, cfg.leaseMs));
    if (claim.outcome === 'done') {
      return this.finish(name, new FileReportBuilder(base, this.ctx.now()), 'processedDir', 'duplicate', ledger, undefined, `the same content was read before (sha256 ${sha256})`);
    }
    // Another live reader (a second bus instance) is reading it: it moves the file when done.
    if (claim.outcome === 'busy') {
      this.leftForLater = true;
      return undefined;
    }
    const from = claim.outcome === 'resume' ? asFileProgress(claim.progress) : undefined;
    const builder = new FileReportBuilder(base, this.ctx.now(), from);
    const keeper = new FileClaimKeeper(ledger, sha256, name, cfg.leaseMs, this.log);
    keeper.start();
    let unreadable: string | undefined;
    try {
      const columns = await streamFile(
        { name, sha256, config: cfg, client: this.client, log: this.log, onNative, builder, signal, lost: () => keeper.lost, checkpoint: (c) => this.checkpoint(name, keeper, builder, c) },
        from,
      );
      // The last word before moving the file: a reader that lost its claim leaves the file to the new one.
      if (!(await this.checkpoint(name, keeper, builder, columns))) return undefined;
    } catch (e) {
      if (e instanceof StopFile) {
        if (!keeper.lost) await ledger.release(sha256);
        this.leftForLater = true;
        return undefined;
      }
      unreadable = `unreadable after ${builder.rowCount} rows: ${(e as Error).message}`;
    } finally {
      keeper.stop();
    }
    const outcome = unreadable ? 'failed' : builder.outcome;
    return this.finish(name, builder, outcome === 'failed' ? 'failedDir' : 'processedDir', outcome, ledger, sha256, unreadable);
  }

  async send(msg: NativeMessage, ctx: SendContext): Promise<DeliveryReceipt> {
    if (!this.outbound) throw new PermanentDeliveryError(`file ${this.ctx.instanceName}: message ${ctx.messageId} cannot be written: no outbound: settings with an outDir`);
    let name: string;
    try {
      name = fillFileName(this.outbound.fileName, {
        ...msg.meta,
        type: ctx.type,
        id: ctx.messageId,
        messageId: ctx.messageId,
        correlationId: ctx.correlationId,
        ext: extensionFor(msg.contentType),
      });
    } catch (e) {
      throw new PermanentDeliveryError(`file ${this.ctx.instanceName}: message ${ctx.messageId}: ${(e as Error).message}; fix outbound.fileName`, undefined, { cause: e });
    }
    try {
      // The name depends only on the message, so a redelivery rewrites the same file with the same bytes.
      await this.client.writeOut(name, msg.body);
    } catch (e) {
      if (e instanceof UnsafeFileNameError) throw new PermanentDeliveryError(`file ${this.ctx.instanceName}: message ${ctx.messageId}: ${e.message}`, undefined, { cause: e });
      throw new TransientDeliveryError(`file ${this.ctx.instanceName}: cannot write ${name} to ${this.outbound.outDir} for message ${ctx.messageId}: ${(e as Error).message}`, undefined, { cause: e });
    }
    return { status: 201, nativeId: name };
  }

  async checkHealth(): Promise<AdapterHealth> {
    try {
      const problem = await this.client.problem();
      return problem ? { status: 'down', detail: `file ${this.ctx.instanceName}: ${problem}` } : { status: 'up' };
    } catch (e) {
      return { status: 'down', detail: `file ${this.ctx.instanceName}: ${(e as Error).message}` };
    }
  }

  async close(): Promise<void> {
    this.closing.abort();
    await this.listening;
  }

  /** Saves progress; false when the claim was lost. A ledger that fails stops the file for a later resume. */
  private async checkpoint(name: string, keeper: FileClaimKeeper, builder: FileReportBuilder, columns: FileColumns): Promise<boolean> {
    try {
      return await keeper.save(builder.progress(columns));
    } catch (e) {
      this.log.checkpointFailed(name, e);
      throw new StopFile();
    }
  }

  private async hashOf(name: string): Promise<string> {
    const fingerprint = await this.client.fingerprint(name);
    const known = this.hashes.get(name);
    if (known?.fingerprint === fingerprint) return known.sha256;
    const sha256 = await this.client.sha256(name);
    this.hashes.set(name, { fingerprint, sha256 });
    return sha256;
  }

  private async finish(
    name: string,
    builder: FileReportBuilder,
    to: 'processedDir' | 'failedDir',
    outcome: FileReport['outcome'],
    ledger: FileLedger,
    claimed: string | undefined,
    reason?: string,
  ): Promise<FileReport> {
    const storedAs = await this.client.moveOut(name, to);
    this.hashes.delete(name);
    await this.client.removeMarker(name);
    const report = builder.build(storedAs, outcome, this.ctx.now(), reason);
    await this.client.writeReport(to, storedAs, report);
    if (claimed) await ledger.complete(claimed, outcome === 'failed' ? 'failed' : 'processed', summarize(report));
    if (outcome !== 'processed' || report.failed) this.log.finished(report);
    return report;
  }
}
