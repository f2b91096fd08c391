import { Injectable } from '@nestjs/common';
import { ErrorCodes, type CanonicalEnvelope } from '@bus/canonical-model';
import { BusError, MappingError, type AdapterInstance } from '@bus/adapters';
import type { SystemRuntime } from '../config/active-config';
import { XrefService } from '../delivery/xref.service';
import type { QueryReply } from '../messaging/query-transport';

/**
 * The answering side of request-reply, run by whichever bus instance takes the query off
 * `bus.query.<system>`: canonical query -> the system's native request -> its native answer -> canonical.
 * Failures travel back as an error reply so the asking side can answer 404/400/503 naming the system.
 * A question about a record the system was never given (the bus holds no native id for it, and the
 * request mapping cannot be filled without one) is QUERY.NOT_FOUND with 404: asking again will not help.
 */
@Injectable()
export class QueryAnswerer {
  constructor(private readonly xref: XrefService) {}

  async answer(system: SystemRuntime, instance: AdapterInstance, query: CanonicalEnvelope, deadline: number): Promise<QueryReply> {
    const { mapping, codec } = system;
    try {
      if (!instance.request || !mapping.queryToNative || !mapping.answerFromNative || !mapping.answers.includes(query.type)) {
        throw new MappingError(`${system.name} has no answer mapping for ${query.type}`);
      }
      const xref = await this.xref.nativeIdFor(system, query);
      const request = await mapping.queryToNative(query.type, query.payload, { xref }).catch((err: unknown) => {
        if (err instanceof MappingError && (xref === null || xref === undefined)) throw notFound(query, (err as Error).message);
        throw err;
      });
      const receipt = await instance.request(
        { body: codec.encode(request, system.codecOptions), contentType: codec.contentTypes[0], meta: flatFields(request), value: request },
        { messageId: query.id, correlationId: query.correlationId, type: query.type, deadline },
      );
      const native = receipt.body?.length ? codec.decode(receipt.body, system.codecOptions) : undefined;
      const answer = await mapping.answerFromNative(query.type, native);
      return { answer: await this.xref.toCanonicalIds(system, answer as Record<string, unknown>) };
    } catch (err) {
      const e = err instanceof BusError ? err : undefined;
      return {
        error: {
          code: e?.code ?? 'QUERY.FAILED',
          message: (err as Error).message,
          status: (err as { status?: number }).status,
        },
      };
    }
  }
}

const notFound = (_query: CanonicalEnvelope, reason: string) => Object.assign(new MappingError(reason), { code: ErrorCodes.QUERY_NOT_FOUND, status: 404 });

/** Scalar fields of the native request, for transports that put them in a path or query string. */
function flatFields(value: unknown): Record<string, string | number | undefined> {
  const out: Record<string, string | number | undefined> = {};
  if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) if (typeof v === 'string' || typeof v === 'number') out[k] = v;
  }
  return out;
}
