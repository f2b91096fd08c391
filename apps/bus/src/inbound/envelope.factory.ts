import { Injectable } from '@nestjs/common';
import { hash } from 'node:crypto';
import {
  ErrorCodes,
  MESSAGE_TYPES,
  validatePayload,
  type CanonicalDraft,
  type CanonicalEnvelope,
} from '@bus/canonical-model';
import type { ProblemDetail } from '../common/api-error';
import { timeOrderedId } from './time-ordered-id';

export interface DraftProblem extends ProblemDetail {
  code: string;
}

/**
 * The message id of the `index`-th message made from one input whose identity is `seed` (a file row:
 * `<system>:<sha256>:<line>`): a UUID derived from them, so a row read again after a crash gets the ids
 * it got the first time, and a duplicate answer can tell "this row again" from "another record, same key".
 *
 * A row's id (RFC 9562 version 8, custom layout) is 48 bits of a hash of the file (`<system>:<sha256>`),
 * then the line (32 bits) and the index (12 bits), then 22 more bits of the file's hash: the rows of one file
 * sort in line order, so the indexes keyed by message id grow in one place per file instead of at random
 * pages (as with time-ordered ids for new messages, time-ordered-id.ts), and no row costs a hash of its own.
 * Seeds of another shape, lines past 2^32 and indexes past 4,095 get the name-based id of earlier versions
 * ({@link hashedMessageId}).
 */
export function derivedMessageId(seed: string, index: number): string {
  const at = rowSeedEnd(seed, index);
  if (at < 0) return hashedMessageId(seed, index);
  const file = fileHash(seed.slice(0, at));
  return rowId(file, Number(seed.slice(at + 1)), index, file.subarray(6, 10));
}

/**
 * The id earlier versions gave a row: the layout of {@link derivedMessageId} with its last 22 bits hashed from
 * the seed and index, still recognised so a file read partly before an upgrade and resumed after it counts its
 * rows right. Undefined where they gave the name-based id.
 */
export function hashedTailRowId(seed: string, index: number): string | undefined {
  const at = rowSeedEnd(seed, index);
  if (at < 0) return undefined;
  return rowId(fileHash(seed.slice(0, at)), Number(seed.slice(at + 1)), index, sha256(`${seed}#${index}`));
}

/** Where the file part of a row seed `<system>:<sha256>:<line>` ends, or -1 when the seed and index do not fit the row layout. */
function rowSeedEnd(seed: string, index: number): number {
  const at = seed.lastIndexOf(':');
  const line = at > 0 ? Number(seed.slice(at + 1)) : NaN;
  const fits = Number.isInteger(line) && line >= 0 && line < 2 ** 32 && String(line) === seed.slice(at + 1) && Number.isInteger(index) && index >= 0 && index < 4096;
  return fits ? at : -1;
}

/** The row layout: 48 bits of the file's hash, the line, the index, then 22 bits of `tail`. */
function rowId(file: Buffer, line: number, index: number, tail: Buffer): string {
  const b = Buffer.alloc(16);
  file.copy(b, 0, 0, 6);
  b[6] = 0x80 | ((line >>> 28) & 0x0f); // version 8
  b[7] = (line >>> 20) & 0xff;
  b[8] = 0x80 | ((line >>> 14) & 0x3f); // RFC variant
  b[9] = (line >>> 6) & 0xff;
  b[10] = ((line & 0x3f) << 2) | ((index >>> 10) & 0x03);
  b[11] = (index >>> 2) & 0xff;
  b[12] = ((index & 0x03) << 6) | (tail[0] & 0x3f);
  tail.copy(b, 13, 1, 4);
  return uuidText(b);
}

/** The rows of one file share their first bytes: hashed once per file, not once per row. */
let lastFile: { seed: string; hash: Buffer } | undefined;
function fileHash(seed: string): Buffer {
  if (lastFile?.seed !== seed) lastFile = { seed, hash: sha256(seed) };
  return lastFile.hash;
}

const sha256 = (text: string): Buffer => hash('sha256', text, 'buffer');

/**
 * The name-based id rows got before ids were ordered by line (shaped like a version 5 UUID), still
 * recognised so a file read partly before an upgrade and resumed after it counts its rows right.
 */
export function hashedMessageId(seed: string, index: number): string {
  const h = sha256(`${seed}#${index}`);
  h[6] = (h[6] & 0x0f) | 0x50;
  h[8] = (h[8] & 0x3f) | 0x80;
  return uuidText(h);
}

function uuidText(bytes: Buffer): string {
  const hex = bytes.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Turns a mapping's draft into a full envelope: the only place message ids are minted. */
@Injectable()
export class EnvelopeFactory {
  /** `id`: a derived id (derivedMessageId) for an input read again with the same identity; a new time-ordered one otherwise. */
  create(source: string, draft: CanonicalDraft, configVersion: string, correlationId: string | undefined, now = new Date(), id: string = timeOrderedId(now.getTime())): CanonicalEnvelope {
    return {
      id,
      type: draft.type,
      schemaVersion: MESSAGE_TYPES[draft.type]?.schemaVersion ?? 1,
      source,
      correlationId: draft.correlationId ?? correlationId ?? id,
      occurredAt: draft.occurredAt ?? now.toISOString(),
      ...(draft.nativeId !== undefined ? { nativeId: String(draft.nativeId) } : {}),
      configVersion,
      payload: draft.payload,
    };
  }

  /** Field-level problems of a draft; empty when it is a valid canonical message. */
  validate(draft: CanonicalDraft): DraftProblem[] {
    if (typeof draft?.type !== 'string' || !MESSAGE_TYPES[draft.type]) {
      return [
        {
          code: ErrorCodes.CANONICAL_UNKNOWN_TYPE,
          path: 'type',
          message: `unknown message type "${String(draft?.type)}" (known: ${Object.keys(MESSAGE_TYPES).join(', ')})`,
        },
      ];
    }
    return validatePayload(draft.type, draft.payload).map((p) => ({
      code: ErrorCodes.CANONICAL_INVALID,
      path: `payload.${p.path}`.replace(/\.$/, ''),
      message: p.message,
    }));
  }
}
