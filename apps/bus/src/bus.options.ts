import type { BusEnv } from './config/env.schema';
import type { ActiveConfig } from './config/active-config';
import type { LogSettings } from './logging/logging.module';

/** Nest token for {@link BusOptions}. */
export const BUS_OPTIONS = Symbol('BUS_OPTIONS');

/** What main.ts (or a test) hands the bus module: the checked environment and the first config version. */
export interface BusOptions {
  env: BusEnv;
  initial: ActiveConfig;
  /** Variables for `${VAR}` in bus.yaml on every reload; default process.env. */
  vars?: Record<string, string | undefined>;
  /**
   * Prefix for every exchange and queue name, so buses run side by side on one broker; default
   * `BUS_NAMESPACE` (none when unset). Tests give each bus its own.
   */
  brokerPrefix?: string;
  /** Log level and format; default from LOG_LEVEL and LOG_FORMAT. */
  log?: LogSettings;
}
