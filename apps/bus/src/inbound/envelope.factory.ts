import { Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
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
 */
export function derivedMessageId(seed: string, index: number): string {
  const h = createHash('sha256').update(`${seed}#${index}`).digest();
  // Shaped like an RFC 4122 name-based UUID: version 5 (SHA-based) and the RFC variant bits.
  h[6] = (h[6] & 0x0f) | 0x50;
  h[8] = (h[8] & 0x3f) | 0x80;
  const hex = h.subarray(0, 16).toString('hex');
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
