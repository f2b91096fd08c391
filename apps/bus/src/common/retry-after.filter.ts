import type { ServerResponse } from 'node:http';
import { type ArgumentsHost, Catch, HttpException } from '@nestjs/common';
import { BaseExceptionFilter } from '@nestjs/core';
import { sendHttpException } from './http-answer';

/**
 * Writes every HttpException Nest's routes throw with `sendHttpException`, the same writer as the
 * ingress fast path's, so every 503 carries `Retry-After`: for a sender it means "send the same
 * request again (same Idempotency-Key) after this long", and a client should not have to guess when.
 */
@Catch(HttpException)
export class RetryAfterFilter extends BaseExceptionFilter {
  catch(exception: HttpException, host: ArgumentsHost): void {
    const res = host.getType() === 'http' ? host.switchToHttp().getResponse<ServerResponse>() : undefined;
    if (res && !res.headersSent) sendHttpException(res, exception);
    else super.catch(exception, host);
  }
}
