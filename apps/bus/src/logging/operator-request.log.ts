import type { IncomingMessage, ServerResponse } from 'node:http';
import { RequestMethod } from '@nestjs/common';
import type { Logger } from 'pino';

/**
 * The routes whose failures are logged per request: the operators' ones. The systems' endpoints
 * (`/adapters/*`, the hot path) have no request hook at all: their own warnings and errors carry the
 * message id.
 */
export const OPERATOR_ROUTES = [
  { path: 'admin/*path', method: RequestMethod.ALL },
  { path: 'health/*path', method: RequestMethod.ALL },
  { path: 'metrics', method: RequestMethod.ALL },
];

/**
 * Logs an operator request that ended in a 5xx, with its method, path and time taken (a 503 from
 * /health/* is the answer a probe asks for, not an incident). Nothing else of the request is written,
 * so no header, and no secret, can reach the log. Deliberately without a per-request logger in
 * AsyncLocalStorage: on Node 20 its first use turns on async hooks for the whole process, which cost
 * every promise of every message about 3 % of the bus's CPU (docs/benchmarks.md).
 */
export function operatorRequestLog(logger: Logger) {
  return (req: IncomingMessage, res: ServerResponse, next: () => void): void => {
    const startedAt = performance.now();
    res.once('finish', () => {
      if (res.statusCode < 500 || req.url?.startsWith('/health')) return;
      logger.error(
        { req: { method: req.method, url: req.url }, res: { statusCode: res.statusCode }, responseTime: Math.round(performance.now() - startedAt) },
        `${req.method} ${req.url} answered ${res.statusCode}`,
      );
    });
    next();
  };
}
