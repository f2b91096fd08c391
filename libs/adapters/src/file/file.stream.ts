import type { InputOutcome, NativeMessage } from '../adapter';
import type { FileClient } from './file.client';
import type { FileInboundConfig } from './file.config';
import type { FileLog } from './file.log';
import { toNativeRecord } from './file.native';
import { readCsvRecords, type CsvBadRow, type CsvRow } from './file.records';
import type { FileProgress, FileReportBuilder } from './file.report';
import { columnOf, isRowLevel } from './file.row-errors';
import { RecordWindow, type WindowSlot } from './file.window';

/** Called once per record; up to `recordsInFlight` of them are pending at once (backpressure). */
export type OnNative = (msg: NativeMessage) => Promise<void | InputOutcome>;

/** Stops reading a file: the claim is released and the file stays for the next scan. */
export class StopFile extends Error {}

/** The column facts a checkpoint carries. */
export interface FileColumns {
  columns?: string[];
  columnCount?: number;
}

/** What handing one file's records over needs from the instance reading it. */
export interface FileStreamContext {
  name: string;
  sha256: string;
  config: FileInboundConfig;
  client: FileClient;
  log: FileLog;
  onNative: OnNative;
  builder: FileReportBuilder;
  signal: AbortSignal;
  /** True once the claim belongs to another reader. */
  lost(): boolean;
  /** Saves a checkpoint from the builder; false when the claim was lost; throws StopFile when the ledger fails. */
  checkpoint(columns: FileColumns): Promise<boolean>;
}

type Sent = CsvRow | CsvBadRow;
type Answer = void | InputOutcome;

/**
 * Hands over every record after `from` (all of them for a new claim) and returns the column facts the
 * checkpoints carry. Up to `recordsInFlight` lines are with the bus at once; their answers are counted in
 * line order, so the report and every checkpoint stop at the first unanswered line (a crash re-reads only
 * from there; the bus keys a row read again by sha256 + line and publishes it once). Resumes at the saved
 * byte offset when a line starts there; otherwise (offsets that drifted over invalid UTF-8) reads from the
 * top and skips the lines already handled.
 */
export async function streamFile(ctx: FileStreamContext, from: FileProgress | undefined): Promise<FileColumns> {
  const { config: cfg, client, builder } = ctx;
  const fixed = { ...(cfg.meta ?? {}), fileName: ctx.name, sha256: ctx.sha256 };
  const atOffset = !!from && from.offset > 0 && (await client.lineStartsAt(ctx.name, from.offset));
  const skipThrough = from && !atOffset ? from.line : 0;
  const facts: FileColumns = { columns: cfg.csvColumns ?? (atOffset ? from!.columns : undefined), columnCount: from?.columnCount };
  const records = readCsvRecords(client.readText(ctx.name, cfg.encoding, atOffset ? from!.offset : 0), {
    delimiter: cfg.delimiter,
    columns: facts.columns,
    headerRow: atOffset ? false : cfg.headerRow,
    columnCount: atOffset ? facts.columnCount : undefined,
    start: atOffset ? { line: from!.line, offset: from!.offset, encoding: cfg.encoding } : { encoding: cfg.encoding },
  });
  const window = new RecordWindow<Sent, Answer>(cfg.recordsInFlight);
  let sinceCheckpoint = 0;
  /** The first record the bus could not take (broker down): nothing more starts, the file stops. */
  let stopped: { line: number; error: unknown } | undefined;

  /** Counts the answered records at the front of the window, in line order, checkpointing as they pass. */
  const countAnswered = async () => {
    for (const slot of window.takeAnswered()) {
      if (slot.answer?.ok === false && !isRowLevel(slot.answer.error)) throw stopOn(ctx, { line: slot.line, error: slot.answer.error });
      count(slot, builder);
      builder.handled(slot.line, slot.item.end);
      if (++sinceCheckpoint >= cfg.checkpointEvery) {
        sinceCheckpoint = 0;
        if (!(await ctx.checkpoint(facts))) throw new StopFile();
      }
    }
  };
  const send = (record: Sent) =>
    ctx.onNative(toNativeRecord(record, facts.columns, fixed)).catch((e: unknown) => {
      if (!isRowLevel(e)) stopped ??= { line: record.line, error: e };
      throw e;
    });

  try {
    for await (const record of records) {
      if (record.kind === 'header') {
        facts.columns = record.columns;
        continue;
      }
      if (record.kind === 'row') facts.columnCount ??= record.fields.length;
      if (record.line <= skipThrough) continue;
      for (;;) {
        if (ctx.signal.aborted || ctx.lost()) throw new StopFile();
        // Counted first, so a stop keeps the answered lines before the one the bus could not take.
        await countAnswered();
        if (stopped) throw stopOn(ctx, stopped);
        if (window.fits(record.line)) break;
        await window.nextAnswer();
      }
      window.start(record.line, record, send);
    }
    while (window.length) {
      await countAnswered();
      if (stopped) throw stopOn(ctx, stopped);
      await window.nextAnswer();
    }
    if (stopped) throw stopOn(ctx, stopped);
    return facts;
  } catch (e) {
    // Whatever ends the reading, no record is still with the bus when the claim is released or the file moved.
    await window.settled();
    // A file that cannot be read to the end is reported with every record the bus answered.
    if (!(e instanceof StopFile) && !stopped) await countAnswered();
    throw e;
  }
}

/** A row's answer as the report counts it; a bad row was already refused by the adapter. */
function count(slot: WindowSlot<Sent, Answer>, builder: FileReportBuilder): void {
  const record = slot.item;
  if (record.kind === 'bad') {
    builder.fail({ line: record.line, column: record.column, reason: record.reason, kind: 'parse', raw: record.raw });
    return;
  }
  if (slot.answer!.ok) {
    if ((slot.answer as { value: Answer }).value?.duplicate) builder.duplicate();
    else builder.pass();
    return;
  }
  const e = (slot.answer as { error: unknown }).error;
  builder.fail({ line: record.line, column: columnOf(e), reason: (e as Error).message, kind: 'rejected' });
}

function stopOn(ctx: FileStreamContext, stopped: { line: number; error: unknown }): StopFile {
  ctx.log.recordFailed(ctx.name, stopped.line, stopped.error);
  return new StopFile();
}
