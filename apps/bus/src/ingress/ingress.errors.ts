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
  brokerUnavailable: (system: string, reason: string) =>
    new ApiError(503, ErrorCodes.BROKER_UNAVAILABLE, `The message from "${system}" was not accepted (${reason}). Nothing was published; send it again later.`),
};
