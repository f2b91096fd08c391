import type { ProblemDetail } from '../common/api-error';

/**
 * A native message the bus refuses before publishing anything: it does not parse, does not map,
 * or maps to an invalid canonical message. HTTP ingress answers 400; pull adapters dead-letter it.
 */
export class InboundRejection extends Error {
  /** Refusals are about the input itself: sending it again unchanged gives the same answer. */
  readonly retryable = false;

  constructor(
    readonly code: string,
    message: string,
    readonly details: ProblemDetail[] = [],
  ) {
    super(message);
    this.name = 'InboundRejection';
  }
}
