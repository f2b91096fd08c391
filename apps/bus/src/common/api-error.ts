import { HttpException } from '@nestjs/common';

/** One field-level problem, e.g. `{ path: 'payload.postalAddress.postalCode', message: 'must be a string' }`. */
export interface ProblemDetail {
  path: string;
  message: string;
}

/**
 * Every refusal the bus sends over HTTP has this body, so a calling system (or its developer)
 * sees the status, a stable code to branch on, and a sentence that says what to fix.
 */
export interface ApiErrorBody {
  statusCode: number;
  code: string;
  message: string;
  details?: ProblemDetail[];
  messageId?: string;
}

export class ApiError extends HttpException {
  constructor(
    status: number,
    code: string,
    message: string,
    details?: ProblemDetail[],
    /** Sent as `Retry-After` (seconds); every 503 has one (see RetryAfterFilter). */
    readonly retryAfterSeconds?: number,
  ) {
    super({ statusCode: status, code, message, ...(details?.length ? { details } : {}) } satisfies ApiErrorBody, status);
  }
}
