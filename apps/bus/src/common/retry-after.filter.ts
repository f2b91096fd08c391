import { type ArgumentsHost, Catch, HttpException, HttpStatus } from '@nestjs/common';
import { BaseExceptionFilter } from '@nestjs/core';
import type { Response } from 'express';
import { ApiError } from './api-error';

/** Seconds a client waits before trying a 503 again, unless the error names its own. */
export const DEFAULT_RETRY_AFTER_SECONDS = 5;

/** The seconds a 503 tells its client to wait: the error's own, or the default. */
export function retryAfterSeconds(exception: HttpException): number {
  return exception instanceof ApiError && exception.retryAfterSeconds !== undefined ? exception.retryAfterSeconds : DEFAULT_RETRY_AFTER_SECONDS;
}

/**
 * Every 503 the bus answers carries `Retry-After`: for a sender it means "send the same request
 * again (same Idempotency-Key) after this long", and a client should not have to guess when.
 */
@Catch(HttpException)
export class RetryAfterFilter extends BaseExceptionFilter {
  catch(exception: HttpException, host: ArgumentsHost): void {
    if (exception.getStatus() === HttpStatus.SERVICE_UNAVAILABLE && host.getType() === 'http') {
      const res = host.switchToHttp().getResponse<Response>();
      if (!res.headersSent) res.setHeader('Retry-After', String(retryAfterSeconds(exception)));
    }
    super.catch(exception, host);
  }
}
