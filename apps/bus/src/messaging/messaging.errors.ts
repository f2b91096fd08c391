import { ErrorCodes } from '@bus/canonical-model';

/** Base of the messaging layer's errors; `code` is an `AREA.REASON` code callers map to HTTP. */
export abstract class MessagingError extends Error {
  abstract readonly code: string;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The broker is not connected, or the channel closed before the broker confirmed. Ingress answers 503. */
export class BrokerUnavailableError extends MessagingError {
  readonly code = ErrorCodes.BROKER_UNAVAILABLE;
}

/** The broker returned a mandatory message: no queue is bound for its routing key. */
export class UnroutableError extends MessagingError {
  readonly code = ErrorCodes.DELIVERY_UNKNOWN_DESTINATION;
  constructor(message: string, readonly exchange: string, readonly routingKey: string) {
    super(message);
  }
}

/** The broker refused a declaration (existing queue with other arguments). Fatal until an operator acts. */
export class TopologyError extends MessagingError {
  readonly code = ErrorCodes.CONFIG_INVALID;
  constructor(message: string, readonly queue: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** A query failed: timed out, nobody serves it, or the answering side sent back an error. */
export class QueryError extends MessagingError {
  constructor(readonly code: string, message: string, readonly status: number) {
    super(message);
  }
}
