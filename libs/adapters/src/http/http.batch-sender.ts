import type { DeliveryReceipt, NativeMessage, SendContext } from '../adapter';
import { MappingError, PermanentDeliveryError, TransientDeliveryError } from '../adapter.errors';
import { TurnBatches } from '../turn-batches';
import { isTransientStatus } from './http.client';
import type { HttpBatchConfig } from './http.config';

/** One record waiting for its batch: its key, its JSON text with the key in it, and its sender's promise. */
interface Waiting {
  key: string;
  json: Buffer;
  resolve(receipt: DeliveryReceipt): void;
  reject(err: unknown): void;
}

const OPEN = Buffer.from('[');
const COMMA = Buffer.from(',');
const CLOSE = Buffer.from(']');

/** Sends one batch body (a JSON array of `records` records) and answers as a single send would. */
export type BatchCall = (body: Buffer, records: number) => Promise<DeliveryReceipt>;

/**
 * Sends the records of one type that reach it in the same event-loop turn (TurnBatches) as one call (up to
 * `maxRecords`): a JSON array whose records each carry their own Idempotency-Key in `keyField`, so
 * the destination keeps each record's effect once however the records were grouped.
 *
 * Each record's `send` settles on its own: a 2xx delivers all of them; a transient failure fails each
 * (each is retried by the bus, the keys drop what did arrive); a refusal (4xx) of a call of several
 * records is sent again in halves, so only the records the destination refuses on their own are
 * dead-lettered, at about two calls per halving for a single bad record. A 207 Multi-Status answer
 * settles each record by its own outcome instead (readOutcomes).
 */
export class HttpBatchSender {
  private readonly turns: TurnBatches<Waiting>;

  constructor(
    private readonly batch: HttpBatchConfig,
    private readonly call: BatchCall,
    private readonly where: { system: string; type: string },
  ) {
    this.turns = new TurnBatches((_type, records) => void this.deliver(records), { maxItems: batch.maxRecords });
  }

  send(msg: NativeMessage, ctx: SendContext): Promise<DeliveryReceipt> {
    const key = ctx.idempotencyKey;
    const json = this.keyed(msg, key);
    return new Promise((resolve, reject) => this.turns.add(this.where.type, { key, json, resolve, reject }));
  }

  private async deliver(records: Waiting[]): Promise<void> {
    let receipt: DeliveryReceipt;
    try {
      receipt = await this.call(arrayOf(records), records.length);
    } catch (err) {
      if (err instanceof PermanentDeliveryError && records.length > 1) {
        const half = Math.ceil(records.length / 2);
        await Promise.all([this.deliver(records.slice(0, half)), this.deliver(records.slice(half))]);
      } else {
        for (const r of records) r.reject(err);
      }
      return;
    }
    if (receipt.status === 207) this.settleEach(records, receipt.body);
    else for (const r of records) r.resolve({ status: receipt.status });
  }

  /**
   * Each record by its own outcome in a 207 answer: delivered (with the id the destination gave it, for
   * `xref`), retried, or dead-lettered with the destination's reason. An answer the bus cannot read fails
   * every record as transient: the keys keep the records that did land from landing twice.
   */
  private settleEach(records: Waiting[], body: Buffer | undefined): void {
    const where = `System ${this.where.system}, ${this.where.type}`;
    const outcomes = readOutcomes(body, records, this.batch.keyField);
    if (typeof outcomes === 'string') {
      const err = new TransientDeliveryError(`${where}: the bulk endpoint answered 207 but ${outcomes}; each record of the call is retried`, 207);
      for (const r of records) r.reject(err);
      return;
    }
    records.forEach((r, i) => {
      const { status, id, error } = outcomes[i];
      if (status >= 200 && status < 300) return r.resolve({ status, ...(id !== undefined ? { nativeId: String(id) } : {}) });
      const reason = error === undefined ? '' : `: ${(typeof error === 'string' ? error : JSON.stringify(error)).slice(0, 500)}`;
      const text = `${where}: the bulk endpoint answered ${status} for record ${r.key}${reason}`;
      r.reject(isTransientStatus(status) ? new TransientDeliveryError(text, status) : new PermanentDeliveryError(text, status));
    });
  }

  /**
   * The record's JSON object with its key added as the last member (a field of that name from the
   * mapping is overridden: JSON readers keep the last), without parsing the text again.
   */
  private keyed(msg: NativeMessage, key: string): Buffer {
    const body = msg.body;
    let end = body.length - 1;
    while (end > 0 && isSpace(body[end])) end--;
    let start = 0;
    while (start < end && isSpace(body[start])) start++;
    if (!/json/i.test(msg.contentType) || body[start] !== 0x7b || body[end] !== 0x7d) {
      throw new MappingError(
        `System ${this.where.system}, ${this.where.type}: outbound.batches sends each record as a JSON object, but the mapping gave ${msg.contentType} that is not one; ` +
          `use codec json and return an object from outbound/${this.where.type}.jsonata, or remove the type from outbound.batches`,
      );
    }
    const inner = body.subarray(start + 1, end);
    const member = `${hasMembers(inner) ? ',' : ''}${JSON.stringify(this.batch.keyField)}:${JSON.stringify(key)}}`;
    return Buffer.concat([body.subarray(start, end), Buffer.from(member)]);
  }
}

/** One record's outcome in a 207 answer. */
interface Outcome {
  status: number;
  id?: string | number;
  /** The destination's reason, text or any JSON. */
  error?: unknown;
}

/**
 * The outcomes of a 207 answer: a JSON array of `{ "status": 201, "id"?: ..., "error"?: "..." }`, one per
 * record, matched by `keyField` when every entry names it, else by position. A string says what is wrong.
 */
function readOutcomes(body: Buffer | undefined, records: Waiting[], keyField: string): Outcome[] | string {
  let entries: unknown;
  try {
    entries = JSON.parse(body?.toString('utf8') ?? '');
  } catch {
    return 'its body is not JSON';
  }
  if (!Array.isArray(entries) || !entries.every((e) => typeof e === 'object' && e !== null && Number.isInteger((e as Outcome).status))) {
    return 'its body is not a JSON array of per-record results with a numeric "status"';
  }
  const byKey = entries.every((e) => typeof (e as Record<string, unknown>)[keyField] === 'string');
  if (!byKey) return entries.length === records.length ? (entries as Outcome[]) : `it holds ${entries.length} results for ${records.length} records`;
  const keyed = new Map(entries.map((e) => [(e as Record<string, string>)[keyField], e as Outcome]));
  const missing = records.find((r) => !keyed.has(r.key));
  return missing ? `it holds no result for record ${missing.key} (by "${keyField}")` : records.map((r) => keyed.get(r.key)!);
}

function arrayOf(records: Waiting[]): Buffer {
  const parts: Buffer[] = [OPEN];
  for (const r of records) {
    if (parts.length > 1) parts.push(COMMA);
    parts.push(r.json);
  }
  parts.push(CLOSE);
  return Buffer.concat(parts);
}

function isSpace(byte: number): boolean {
  return byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;
}

function hasMembers(inner: Buffer): boolean {
  for (const byte of inner) if (!isSpace(byte)) return true;
  return false;
}
