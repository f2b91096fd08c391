import { ErrorCodes } from '@bus/canonical-model';

/** One problem in the configuration, at a path an integrator can find in the file. */
export interface ConfigProblem {
  /** `systems.bridge.inbound.dropDir`, `routes[1].to[0]`, `PORT` or `line 3, column 5`. */
  path: string;
  message: string;
}

/** Renders problems the way they are printed at startup and logged on a rejected reload. */
export const formatProblems = (source: string, problems: readonly ConfigProblem[]): string =>
  `Invalid configuration (${source}):\n` + problems.map((p) => `  ${p.path}: ${p.message}`).join('\n');

/**
 * The environment or the config file cannot be used. Carries every problem of the first layer
 * that failed, so the integrator fixes them all in one go.
 *
 * @example
 * Invalid configuration (config/bus.yaml):
 *   systems.bridge.inbound.dropDir: must be a non-empty string
 *   routes[1].to[0]: unknown system "billling" (known: billing, booking, bridge, sales)
 */
export class ConfigError extends Error {
  readonly code = ErrorCodes.CONFIG_INVALID;
  readonly retryable = false;
  constructor(
    /** The file (as given) or `environment`. */
    readonly source: string,
    readonly problems: readonly ConfigProblem[],
  ) {
    super(formatProblems(source, problems));
    this.name = 'ConfigError';
  }
}

/** An apply or rollback was planned against `expected`, and `active` is the version now running. */
export class ConfigVersionMovedError extends Error {
  readonly code = ErrorCodes.CONFIG_VERSION_MOVED;
  constructor(
    readonly expected: string,
    readonly active: string | null,
  ) {
    super(`The running config moved from version ${expected} (planned against) to ${active ?? 'none'}; run the plan again against the running bus, then apply.`);
    this.name = 'ConfigVersionMovedError';
  }
}
