import type { DeliveryReceipt, NativeMessage, SendContext } from '../adapter';
import { MappingError, PermanentDeliveryError } from '../adapter.errors';
import { TurnBatches } from '../turn-batches';
import type { HttpBatchConfig } from './http.config';

/** One record waiting for its batch: its JSON text with the key in it, and its sender's promise. */
interface Waiting {
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
 * dead-lettered, at about two calls per halving for a single bad record.
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
    const json = this.keyed(msg, ctx.idempotencyKey);
    return new Promise((resolve, reject) => this.turns.add(this.where.type, { json, resolve, reject }));
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
    for (const r of records) r.resolve({ status: receipt.status });
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
