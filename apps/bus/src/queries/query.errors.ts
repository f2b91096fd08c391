import { ErrorCodes } from '@bus/canonical-model';
import { ApiError } from '../common/api-error';

/** A query is read-only: asking again soon is harmless. */
const QUERY_RETRY_AFTER_SECONDS = 2;

/** The refusals of the query endpoint, worded once; each names the system to look at. */
export const QueryErrors = {
  unknownQuery: (system: string, name: string, known: readonly string[]) =>
    new ApiError(404, ErrorCodes.QUERY_NO_ROUTE, `System "${system}" has no query "${name}" (its mapping declares: ${known.join(', ') || 'none'}).`),
  noRoute: (type: string) =>
    new ApiError(404, ErrorCodes.QUERY_NO_ROUTE, `No system answers ${type}: add it under "queries:" in the bus config.`),
  timeout: (answeredBy: string, type: string, ms: number) =>
    new ApiError(504, ErrorCodes.QUERY_TIMEOUT, `${answeredBy} did not answer ${type} within ${ms} ms. Check that ${answeredBy} is up and responsive.`),
  unavailable: (answeredBy: string, type: string, reason: string) =>
    new ApiError(503, ErrorCodes.QUERY_UNAVAILABLE, `${answeredBy} could not answer ${type}: ${reason}`, undefined, QUERY_RETRY_AFTER_SECONDS),
  notFound: (answeredBy: string, type: string, reason: string) =>
    new ApiError(404, ErrorCodes.DELIVERY_REJECTED, `${answeredBy} has no answer to ${type}: ${reason}`),
};
