/** Error codes are `AREA.REASON`; they survive the trip to a dead-letter queue where `instanceof` does not. */
export const ErrorCodes = {
  CONFIG_INVALID: 'CONFIG.INVALID',
  CONFIG_DESTINATION_REMOVED: 'CONFIG.DESTINATION_REMOVED',
  /** An apply or rollback named the version it was planned against, and another version is active now. */
  CONFIG_VERSION_MOVED: 'CONFIG.VERSION_MOVED',
  /** A rollback named a version the config history does not hold. */
  CONFIG_VERSION_UNKNOWN: 'CONFIG.VERSION_UNKNOWN',
  /** An apply named a file outside the config folder. */
  CONFIG_FILE_REJECTED: 'CONFIG.FILE_REJECTED',
  /** `bpi-bus`: the command line is wrong (exit code 2). */
  CLI_USAGE: 'CLI.USAGE',
  /** `bpi-bus`: the bus's admin API cannot be reached (exit code 3). */
  CLI_BUS_UNREACHABLE: 'CLI.BUS_UNREACHABLE',
  INGRESS_UNKNOWN_SYSTEM: 'INGRESS.UNKNOWN_SYSTEM',
  INGRESS_UNAUTHORIZED: 'INGRESS.UNAUTHORIZED',
  INGRESS_UNSUPPORTED_MEDIA_TYPE: 'INGRESS.UNSUPPORTED_MEDIA_TYPE',
  INGRESS_PAYLOAD_TOO_LARGE: 'INGRESS.PAYLOAD_TOO_LARGE',
  /** Accepting failed for a reason other than the broker (e.g. the store); the sender retries with the same Idempotency-Key. */
  INGRESS_NOT_CONFIRMED: 'INGRESS.NOT_CONFIRMED',
  CODEC_PARSE_FAILED: 'CODEC.PARSE_FAILED',
  CODEC_UNSAFE_INPUT: 'CODEC.UNSAFE_INPUT',
  ADAPTER_MAPPING_FAILED: 'ADAPTER.MAPPING_FAILED',
  CANONICAL_INVALID: 'CANONICAL.INVALID',
  CANONICAL_UNKNOWN_TYPE: 'CANONICAL.UNKNOWN_TYPE',
  ROUTE_NO_MATCH: 'ROUTE.NO_MATCH',
  DELIVERY_TRANSIENT: 'DELIVERY.TRANSIENT',
  DELIVERY_REJECTED: 'DELIVERY.REJECTED',
  DELIVERY_UNKNOWN_DESTINATION: 'DELIVERY.UNKNOWN_DESTINATION',
  DEAD_LETTER_NOT_FOUND: 'DEAD_LETTER.NOT_FOUND',
  /** Already replayed or discarded. */
  DEAD_LETTER_RESOLVED: 'DEAD_LETTER.RESOLVED',
  /** Another replay holds the claim on it right now. */
  DEAD_LETTER_REPLAYING: 'DEAD_LETTER.REPLAYING',
  DEAD_LETTER_UNKNOWN_SYSTEM: 'DEAD_LETTER.UNKNOWN_SYSTEM',
  ADMIN_FILTER_REQUIRED: 'ADMIN.FILTER_REQUIRED',
  /** The caller's token has a role below what the action needs (viewer < operator < admin). */
  ADMIN_FORBIDDEN: 'ADMIN.FORBIDDEN',
  /** An edited dead letter's canonical payload failed the canonical model's validation; nothing was sent. */
  DEAD_LETTER_EDIT_INVALID: 'DEAD_LETTER.EDIT_INVALID',
  BROKER_UNAVAILABLE: 'BROKER.UNAVAILABLE',
  QUERY_TIMEOUT: 'QUERY.TIMEOUT',
  QUERY_UNAVAILABLE: 'QUERY.UNAVAILABLE',
  QUERY_NO_ROUTE: 'QUERY.NO_ROUTE',
  /** The answering system has no record for the question (e.g. a customer it was never given). */
  QUERY_NOT_FOUND: 'QUERY.NOT_FOUND',
  /** The answering system refused the question's parameters (it answered 400 or 422). */
  QUERY_INVALID: 'QUERY.INVALID',
  /** A bus instance on the same broker namespace announces another store id (instances/). */
  INSTANCE_STORE_MISMATCH: 'INSTANCE.STORE_MISMATCH',
  JOB_UNKNOWN: 'JOB.UNKNOWN',
  JOB_INVALID_RUN_KEY: 'JOB.INVALID_RUN_KEY',
  JOB_RUN_KEY_COMPLETED: 'JOB.RUN_KEY_COMPLETED',
  JOB_RUN_UNFINISHED: 'JOB.RUN_UNFINISHED',
  JOB_BUSY: 'JOB.BUSY',
} as const;

export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];
