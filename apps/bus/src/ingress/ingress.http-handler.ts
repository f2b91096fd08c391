import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { HttpException, HttpStatus, Logger } from '@nestjs/common';
import { sendHttpException, sendInternalError, sendJson } from '../common/http-answer';
import { payloadTooLarge, readRawBody } from '../common/raw-body.middleware';
import type { IngressService } from './ingress.service';

/** `/adapters/{system}/messages`, with or without a query string; the system name is one path segment. */
const INGRESS_PATH = /^\/adapters\/([^/?#]+)\/messages(?:\?|$)/;

/**
 * Answers `POST /adapters/{system}/messages` straight from node:http, in front of Express and Nest's
 * router, and hands every other request to `next` (the Nest application). This is the bus's hot path:
 * there Express, its router and Nest's route pipeline cost about a third of the bus's CPU per message
 * (docs/benchmarks.md). IngressController only declares the route for the OpenAPI document; refusals
 * go out through the same `sendHttpException` as the exception filter's (the ApiError body, Retry-After
 * on every 503).
 */
export function ingressHandlerFirst(ingress: IngressService, bodyLimit: () => number, next: RequestListener): RequestListener {
  const logger = new Logger('ingress');
  return (req, res) => {
    const system = req.method === 'POST' ? systemOf(req.url) : undefined;
    if (system === undefined) return next(req, res);
    accept(ingress, system, req, res, bodyLimit()).catch((err: unknown) => {
      logger.error(`Answering POST ${req.url} failed: ${(err as Error)?.stack ?? String(err)}`);
      if (!res.headersSent) sendInternalError(res);
      else res.destroy();
    });
  };
}

async function accept(ingress: IngressService, system: string, req: IncomingMessage, res: ServerResponse, limit: number): Promise<void> {
  const body = await readRawBody(req, limit);
  if (!body) return sendJson(res, HttpStatus.PAYLOAD_TOO_LARGE, payloadTooLarge(limit));
  const h = req.headers;
  try {
    const accepted = await ingress.accept({
      system,
      body,
      apiKey: header(h['x-api-key']),
      contentType: h['content-type'],
      idempotencyKey: header(h['idempotency-key']),
      correlationId: header(h['x-correlation-id']),
    });
    sendJson(res, HttpStatus.ACCEPTED, accepted);
  } catch (err) {
    if (!(err instanceof HttpException)) throw err;
    sendHttpException(res, err);
  }
}

function systemOf(url: string | undefined): string | undefined {
  const match = url ? INGRESS_PATH.exec(url) : null;
  if (!match) return undefined;
  try {
    return decodeURIComponent(match[1]);
  } catch {
    return undefined; // a malformed escape: Express's answer, not ours
  }
}

/** A repeated header reads as Express and Nest read it: the values joined (Node joins all but a few). */
function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value;
}
