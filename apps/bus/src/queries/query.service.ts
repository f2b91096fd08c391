import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { ErrorCodes, validateQuery } from '@bus/canonical-model';
import { BusError } from '@bus/adapters';
import { ConfigService } from '../config/config.service';
import { XrefService } from '../delivery/xref.service';
import { IngressService } from '../ingress/ingress.service';
import { IngressErrors } from '../ingress/ingress.errors';
import { QueryClient, type QueryReply } from '../messaging/query-transport';
import { Journal } from '../journal/journal.service';
import { outwardReason, QueryErrors } from './query.errors';
import { ApiError, type ApiErrorBody } from '../common/api-error';
import { InboundRejection } from '../inbound/inbound-rejection';

export interface AskRequest {
  system: string;
  name: string;
  apiKey?: string;
  correlationId?: string;
  /** GET: the query-string parameters. */
  params?: Record<string, string>;
  /** POST: the native body. */
  body?: Buffer;
  contentType?: string;
}

/** A refused question in the asking system's own error format (its `asks/<name>.error.jsonata`). */
export interface NativeQueryError {
  status: number;
  body: Buffer;
  contentType: string;
  retryAfterSeconds?: number;
}

export interface AskAnswer {
  body: Buffer;
  contentType: string;
  correlationId: string;
}

/**
 * The asking side of request-reply: native question -> canonical query -> over RabbitMQ to the
 * system that answers it (any bus instance serves it) -> canonical answer -> native answer.
 */
@Injectable()
export class QueryService {
  constructor(
    private readonly config: ConfigService,
    private readonly ingress: IngressService,
    private readonly xref: XrefService,
    private readonly client: QueryClient,
    private readonly journal: Journal,
  ) {}

  async ask(req: AskRequest): Promise<AskAnswer> {
    const system = this.ingress.authenticate(req.system, req.apiKey);
    const { mapping, codec } = system;
    if (!mapping.asks.includes(req.name) || !mapping.askToCanonical || !mapping.answerToNative) {
      throw QueryErrors.unknownQuery(system.name, req.name, mapping.asks);
    }
    let native: unknown = req.params ?? {};
    if (req.body?.length) {
      const mediaType = req.contentType?.split(';')[0].trim().toLowerCase();
      if (!mediaType || !codec.contentTypes.includes(mediaType)) throw IngressErrors.unsupportedMediaType(system.name, req.contentType, codec.contentTypes);
      native = this.decodeOr400(() => codec.decode(req.body!, system.codecOptions), system.name);
    }
    const query = await this.mapOr400(() => mapping.askToCanonical!(req.name, native), system.name);
    const problems = validateQuery(query.type, query.payload);
    if (problems.length) {
      throw IngressErrors.badInput(
        ErrorCodes.CANONICAL_INVALID,
        `${system.name}: the ${query.type} query is not valid: ${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`,
        problems.map((p) => ({ path: `payload.${p.path}`, message: p.message })),
      );
    }
    const route = this.config.active().routeTable.queryRoute(query.type);
    if (!route) throw QueryErrors.noRoute(query.type);

    const id = randomUUID();
    const correlationId = req.correlationId ?? id;
    const payload = await this.xref.toCanonicalIds(system, query.payload as Record<string, unknown>).catch((err: unknown) => {
      if (err instanceof InboundRejection) throw IngressErrors.badInput(err.code, err.message, err.details);
      throw err;
    });
    const envelope = { id, type: query.type, schemaVersion: 1, source: system.name, correlationId, occurredAt: new Date().toISOString(), payload };
    const reply = await this.client.request(route.answeredBy, envelope, route.timeoutMs).catch((err: unknown) => {
      // Not asked at all (broker down, connection lost, nobody serves the queue) is a 503 to ask again later, not a timeout.
      if ((err as { status?: number }).status === 503) {
        this.journal.query(envelope, route.answeredBy, 'failed', (err as Error).message);
        throw QueryErrors.unavailable(route.answeredBy, query.type, (err as Error).message);
      }
      this.journal.query(envelope, route.answeredBy, 'timeout', (err as Error).message);
      throw QueryErrors.timeout(route.answeredBy, query.type, route.timeoutMs);
    });
    this.journal.query(envelope, route.answeredBy, reply.error ? 'failed' : 'answered', reply.error?.message);
    if (reply.error) throw this.replyError(route.answeredBy, query.type, reply);
    const ownIds = await this.xref.toNativeIds(system, reply.answer);
    const answer = await this.mapOr400(() => mapping.answerToNative!(req.name, ownIds), system.name);
    return { body: codec.encode(answer, system.codecOptions), contentType: codec.contentTypes[0], correlationId };
  }

  /**
   * The refusal `err` as the asking system's own error body, when its mapping has `asks/<name>.error.jsonata`;
   * undefined otherwise (the bus's JSON error body is sent). Never for a caller that did not authenticate.
   */
  async nativeError(req: AskRequest, err: unknown): Promise<NativeQueryError | undefined> {
    if (!(err instanceof ApiError) || err.getStatus() === 401 || err.getStatus() === 403) return undefined;
    const system = this.config.active().systems.get(req.system);
    if (!system?.mapping.askErrorToNative || !system.mapping.asks.includes(req.name)) return undefined;
    const { code, message } = err.getResponse() as ApiErrorBody;
    try {
      const native = await system.mapping.askErrorToNative(req.name, { status: err.getStatus(), code, message: outwardReason(message) });
      if (native === undefined) return undefined;
      return { status: err.getStatus(), body: system.codec.encode(native, system.codecOptions), contentType: system.codec.contentTypes[0], retryAfterSeconds: err.retryAfterSeconds };
    } catch {
      return undefined; // a broken error mapping must not hide the refusal: the bus's own body goes out
    }
  }

  private replyError(answeredBy: string, type: string, reply: QueryReply) {
    const { code, message, status } = reply.error!;
    if (code === ErrorCodes.QUERY_NOT_FOUND || status === 404) return QueryErrors.notFound(answeredBy, type, message);
    if (status === 400 || status === 422) return QueryErrors.invalid(answeredBy, type, message);
    return QueryErrors.unavailable(answeredBy, type, message);
  }

  private decodeOr400<T>(fn: () => T, system: string): T {
    try {
      return fn();
    } catch (err) {
      if (err instanceof BusError) throw IngressErrors.badInput(err.code, `${system}: ${err.message}`);
      throw err;
    }
  }

  private async mapOr400<T>(fn: () => Promise<T>, system: string): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof BusError) throw IngressErrors.badInput(err.code, `${system}: ${err.message}`);
      throw err;
    }
  }
}
