import { ErrorCodes } from '@bus/canonical-model';
import { ApiError, type ProblemDetail } from '../common/api-error';

/** The refusals of the ingress endpoint, worded once. */
export const IngressErrors = {
  /**
   * Also the answer for an unknown system, word for word: a caller without a key learns nothing of
   * which system names exist (the name is the one in its own URL).
   */
  unauthorized: () =>
    new ApiError(
      401,
      ErrorCodes.INGRESS_UNAUTHORIZED,
      'Missing or wrong X-Api-Key for the system in the URL, or no such system takes input. Each system posts only as itself, with the key configured for it; GET /admin/adapters lists the systems.',
    ),
  unsupportedMediaType: (system: string, got: string | undefined, accepted: readonly string[]) =>
    new ApiError(415, ErrorCodes.INGRESS_UNSUPPORTED_MEDIA_TYPE, `System "${system}" sends ${accepted.join(' or ')}; got Content-Type "${got ?? '(none)'}".`),
  badInput: (code: string, message: string, details?: ProblemDetail[]) => new ApiError(400, code, message, details),
  /** The broker did not confirm: the message may or may not have reached it, so only a retry with the same key is safe. */
  brokerUnavailable: (system: string, reason: string) =>
    new ApiError(503, ErrorCodes.BROKER_UNAVAILABLE, `The message from "${system}" was not accepted (${reason}). ${RETRY_WITH_SAME_KEY}`, undefined, INGRESS_RETRY_AFTER_SECONDS),
  notConfirmed: (system: string, reason: string) =>
    new ApiError(503, ErrorCodes.INGRESS_NOT_CONFIRMED, `The message from "${system}" could not be accepted (${reason}). ${RETRY_WITH_SAME_KEY}`, undefined, INGRESS_RETRY_AFTER_SECONDS),
};

/** A broker reconnect takes about a second; a restart, tens of seconds. */
export const INGRESS_RETRY_AFTER_SECONDS = 2;

const RETRY_WITH_SAME_KEY =
  'It may or may not have reached the bus: send it again with the same Idempotency-Key after Retry-After; it is delivered once either way.';
