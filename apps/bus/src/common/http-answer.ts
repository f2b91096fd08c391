import type { ServerResponse } from 'node:http';
import { HttpException, HttpStatus } from '@nestjs/common';
import { ApiError } from './api-error';

/** Seconds a client waits before trying a 503 again, unless the error names its own. */
export const DEFAULT_RETRY_AFTER_SECONDS = 5;

/** The seconds a 503 tells its client to wait: the error's own, or the default. */
export function retryAfterSeconds(exception: HttpException): number {
  return exception instanceof ApiError && exception.retryAfterSeconds !== undefined ? exception.retryAfterSeconds : DEFAULT_RETRY_AFTER_SECONDS;
}

/** Writes a JSON answer the way Express's `res.json` does, for handlers that run in front of Express. */
export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

/**
 * The one way a refusal goes out: the error's body (an ApiErrorBody for the bus's own errors) and,
 * on every 503, `Retry-After`. RetryAfterFilter writes Nest's answers with it, and the ingress
 * fast path its own, so both routes answer alike.
 */
export function sendHttpException(res: ServerResponse, exception: HttpException): void {
  const status = exception.getStatus();
  if (status === HttpStatus.SERVICE_UNAVAILABLE) res.setHeader('Retry-After', String(retryAfterSeconds(exception)));
  const answer = exception.getResponse();
  sendJson(res, status, typeof answer === 'object' ? answer : { statusCode: status, message: answer });
}

/** Nest's own answer to an error it does not know; the error itself goes to the log, not the client. */
export function sendInternalError(res: ServerResponse): void {
  sendJson(res, HttpStatus.INTERNAL_SERVER_ERROR, { statusCode: HttpStatus.INTERNAL_SERVER_ERROR, message: 'Internal server error' });
}
