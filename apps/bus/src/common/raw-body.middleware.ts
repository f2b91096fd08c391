import type { IncomingMessage } from 'node:http';
import type { NextFunction, Request, Response } from 'express';
import { ErrorCodes } from '@bus/canonical-model';
import type { ApiErrorBody } from './api-error';

/** The 413 answer for a body over `ingress.bodyLimit`. */
export function payloadTooLarge(limit: number): ApiErrorBody {
  return {
    statusCode: 413,
    code: ErrorCodes.INGRESS_PAYLOAD_TOO_LARGE,
    message: `Request body exceeds the configured limit of ${limit} bytes (ingress.bodyLimit in the bus config).`,
  };
}

/**
 * Reads the request body as raw bytes, because each system speaks its own format and only its codec
 * may parse it. Resolves `undefined` for a body over the limit: refused from Content-Length before
 * reading, or as soon as the stream passes the limit (the rest is read and dropped).
 */
export function readRawBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    if (Number(req.headers['content-length']) > limit) {
      req.resume();
      resolve(undefined);
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let refused = false;
    req.on('data', (chunk: Buffer) => {
      if (refused) return;
      size += chunk.length;
      if (size > limit) {
        refused = true;
        resolve(undefined);
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (!refused) resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size));
    });
    req.on('error', reject);
  });
}

/** `readRawBody` for the Express routes under /adapters; the limit is read per request so a config reload applies at once. */
export function rawBody(limitBytes: () => number) {
  return (req: Request, res: Response, next: NextFunction): void => {
    if (req.method === 'GET' || req.method === 'HEAD') return next();
    const limit = limitBytes();
    readRawBody(req, limit).then((body) => {
      if (!body) {
        res.status(413).json(payloadTooLarge(limit));
        return;
      }
      (req as RequestWithRawBody).rawBody = body;
      next();
    }, next);
  };
}

export type RequestWithRawBody = Request & { rawBody?: Buffer };
