/** Exit codes, for CI: what a script branches on. */
export const Exit = {
  OK: 0,
  /** The config, a fixture, a case or a sample has a problem; each is printed with its path. */
  PROBLEMS: 1,
  /** The command line is wrong. */
  USAGE: 2,
  /** The bus refused (401, 404, 409 `CONFIG.VERSION_MOVED`, 422) or could not be reached. */
  BUS: 3,
} as const;

/** What a command produced: the exit code, a JSON value for `--json`, and lines for a person. */
export interface CommandResult {
  exitCode: number;
  json: unknown;
  text: string[];
}

export interface CliOptions {
  json: boolean;
  /** Admin API base URL (`--url`, BUS_URL). */
  url?: string;
  /** Admin token (`--token`, BUS_ADMIN_TOKEN, ADMIN_TOKEN). */
  token?: string;
  against?: string;
  since?: string;
  last?: string;
  reason?: string;
  expectedVersion?: string;
  config?: string;
  limit?: string;
}

/** A usage mistake: printed with the usage text, exit code 2. */
export class UsageError extends Error {}
