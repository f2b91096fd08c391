import { ErrorCodes, type ErrorCode } from '@bus/canonical-model';

/** Base of every error the bus classifies; `code` survives serialization where `instanceof` does not. */
export abstract class BusError extends Error {
  abstract readonly code: ErrorCode;
  abstract readonly retryable: boolean;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The native message could not be mapped: permanent, never retried. */
export class MappingError extends BusError {
  readonly code = ErrorCodes.ADAPTER_MAPPING_FAILED;
  readonly retryable = false;
  /** Where in the input the problem is, e.g. `line 12, column 3` or `$.account.email`. */
  constructor(message: string, readonly location?: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** The bytes do not parse in the declared format, or are unsafe (DTD, entities). */
export class CodecError extends BusError {
  readonly retryable = false;
  constructor(
    message: string,
    readonly code: typeof ErrorCodes.CODEC_PARSE_FAILED | typeof ErrorCodes.CODEC_UNSAFE_INPUT = ErrorCodes.CODEC_PARSE_FAILED,
    readonly location?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Timeouts, 5xx, connection refused, locks: retried with backoff. */
export class TransientDeliveryError extends BusError {
  readonly code = ErrorCodes.DELIVERY_TRANSIENT;
  readonly retryable = true;
  constructor(message: string, readonly status?: number, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** The destination rejected the message (4xx): straight to dead letter. */
export class PermanentDeliveryError extends BusError {
  readonly code = ErrorCodes.DELIVERY_REJECTED;
  readonly retryable = false;
  constructor(message: string, readonly status?: number, options?: { cause?: unknown }) {
    super(message, options);
  }
}
