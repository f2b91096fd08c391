import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import {
  ErrorCodes,
  MESSAGE_TYPES,
  validatePayload,
  type CanonicalDraft,
  type CanonicalEnvelope,
} from '@bus/canonical-model';
import type { ProblemDetail } from '../common/api-error';

export interface DraftProblem extends ProblemDetail {
  code: string;
}

/** Turns a mapping's draft into a full envelope: the only place message ids are minted. */
@Injectable()
export class EnvelopeFactory {
  create(source: string, draft: CanonicalDraft, configVersion: string, correlationId: string | undefined, now = new Date()): CanonicalEnvelope {
    const id = randomUUID();
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
