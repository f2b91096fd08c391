import { ErrorCodes } from '@bus/canonical-model';
import { ApiError } from '../common/api-error';

/** A query is read-only: asking again soon is harmless. */
const QUERY_RETRY_AFTER_SECONDS = 2;

/**
 * File paths with two or more separators (`/srv/bus/config/mappings/x.jsonata`, `C:\\bus\\x`, `config/mappings/x`).
 * Each repetition starts with a separator the name class excludes, so matching stays linear.
 */
const FILE_PATH = /(?:[A-Za-z]:)?[\w.@-]*(?:[\\/][\w.@-]+){2,}/g;
/** Where in the bus a mapping failed (`Mapping <file> at line 3, column 7 failed for … of system billing: `), and JSONata's code (` [D3137]`). */
const MAPPING_LOCATION = /Mapping \S+(?: at line \d+, column \d+)? failed for [^:]+ of system [\w.-]+: /g;
const JSONATA_CODE = / \[[A-Z]\d{4}\]/g;
/** Stack frames (`    at fn (file:1:2)`) that a failure's message may carry. */
const STACK_FRAMES = /\n\s+at [^\n]*/g;

/**
 * The reason another system's failure gives, fit for the asking system: the mapping's own words, without
 * where in the bus it failed, without file paths (a file is named by its base name only) and stack frames.
 */
export const outwardReason = (reason: string): string =>
  reason.replace(STACK_FRAMES, '').replace(MAPPING_LOCATION, '').replace(JSONATA_CODE, '').replace(FILE_PATH, (p) => p.split(/[\\/]/).pop() ?? '').trim();

/** The refusals of the query endpoint, worded once; each names the system to look at. */
export const QueryErrors = {
  unknownQuery: (system: string, name: string, known: readonly string[]) =>
    new ApiError(404, ErrorCodes.QUERY_NO_ROUTE, `System "${system}" has no query "${name}" (its mapping declares: ${known.join(', ') || 'none'}).`),
  noRoute: (type: string) =>
    new ApiError(404, ErrorCodes.QUERY_NO_ROUTE, `No system answers ${type}: add it under "queries:" in the bus config.`),
  timeout: (answeredBy: string, type: string, ms: number) =>
    new ApiError(504, ErrorCodes.QUERY_TIMEOUT, `${answeredBy} did not answer ${type} within ${ms} ms. Check that ${answeredBy} is up and responsive.`),
  unavailable: (answeredBy: string, type: string, reason: string) =>
    new ApiError(503, ErrorCodes.QUERY_UNAVAILABLE, `${answeredBy} could not answer ${type}: ${outwardReason(reason)}`, undefined, QUERY_RETRY_AFTER_SECONDS),
  notFound: (answeredBy: string, type: string, reason: string) =>
    new ApiError(404, ErrorCodes.QUERY_NOT_FOUND, `${answeredBy} has no record for this ${type}: ${outwardReason(reason)}`),
  invalid: (answeredBy: string, type: string, reason: string) =>
    new ApiError(400, ErrorCodes.QUERY_INVALID, `${answeredBy} refused the parameters of ${type}: ${outwardReason(reason)}`),
};
