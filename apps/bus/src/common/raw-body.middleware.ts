import type { NextFunction, Request, Response } from 'express';
import { ErrorCodes } from '@bus/canonical-model';

/**
 * Reads the request body as raw bytes, because each system speaks its own format and only its
 * codec may parse it. The limit is read per request so a config reload applies at once.
 * Oversized bodies are refused from Content-Length before reading, or as soon as the stream passes the limit.
 */
export function rawBody(limitBytes: () => number) {
  return (req: Request, res: Response, next: NextFunction): void => {
    if (req.method === 'GET' || req.method === 'HEAD') return next();
    const limit = limitBytes();
    const tooLarge = () =>
      res.status(413).json({
        statusCode: 413,
        code: ErrorCodes.INGRESS_PAYLOAD_TOO_LARGE,
        message: `Request body exceeds the configured limit of ${limit} bytes (ingress.bodyLimit in the bus config).`,
      });
    const declared = Number(req.headers['content-length']);
    if (declared > limit) {
      req.resume();
      tooLarge();
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
        tooLarge();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (refused) return;
      (req as Request & { rawBody?: Buffer }).rawBody = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size);
      next();
    });
    req.on('error', next);
  };
}

export type RequestWithRawBody = Request & { rawBody?: Buffer };
