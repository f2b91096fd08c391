import { plainToInstance, Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsNotEmpty, IsString, Matches, Max, Min, validateSync } from 'class-validator';
import { flattenErrors } from './class-validation';
import { Optional } from './config-decorators';
import { ConfigError } from './config.errors';

const toInt = ({ value }: { value: unknown }) => (typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value) : value);
const toBool = ({ value }: { value: unknown }) => {
  if (typeof value !== 'string') return value;
  const v = value.trim().toLowerCase();
  return ['true', '1', 'yes', 'on'].includes(v) ? true : ['false', '0', 'no', 'off'].includes(v) ? false : value;
};

export const LOG_LEVELS = ['error', 'warn', 'log', 'debug', 'verbose'] as const;
export const LOG_FORMATS = ['json', 'pretty'] as const;

/** The bus's environment variables, typed and checked once at startup. Per-system secrets are read by `${VAR}` in bus.yaml. */
export class BusEnv {
  /** HTTP port of ingress, admin and health. */
  @Transform(toInt) @IsInt({ message: 'must be a port number' }) @Min(0) @Max(65535)
  PORT: number = 3000;

  /** RabbitMQ connection URL. */
  @IsString() @Matches(/^amqps?:\/\/\S+$/, { message: 'must be an amqp:// or amqps:// URL' })
  AMQP_URL: string = 'amqp://guest:guest@127.0.0.1:5672';

  /** Path of the config file. */
  @IsString() @IsNotEmpty()
  BUS_CONFIG: string = 'config/bus.yaml';

  /** Bearer token for /admin/*; unset keeps the admin endpoints closed. */
  @Optional() @IsString() @IsNotEmpty()
  ADMIN_TOKEN?: string;

  /** Named admin tokens with a role each: `name:role:token,...` (roles viewer, operator, admin); see admin/admin-principals.ts. */
  @Optional() @Matches(/^[^:,\s]+:(viewer|operator|admin):[^,\s]+(,[^:,\s]+:(viewer|operator|admin):[^,\s]+)*$/, {
    message: 'must be name:role:token entries separated by commas, role one of viewer, operator, admin',
  })
  ADMIN_TOKENS?: string;

  /** A secrets file with one `name role token` per line (`#` starts a comment); read at startup. */
  @Optional() @IsString() @IsNotEmpty()
  ADMIN_TOKENS_FILE?: string;

  /** MongoDB store instead of the embedded one. */
  @Optional() @Matches(/^mongodb(\+srv)?:\/\/\S+$/, { message: 'must be a mongodb:// or mongodb+srv:// URL' })
  MONGODB_URI?: string;

  /** Folder of the embedded store and other local state. */
  @IsString() @IsNotEmpty()
  BUS_DATA_DIR: string = '.data';

  /** Reload the config file when it changes. */
  @Transform(toBool) @IsBoolean({ message: 'must be true or false' })
  BUS_CONFIG_WATCH: boolean = true;

  /** How often this instance announces itself to its peers on `bus.instances` (ms); peers silent for three intervals are forgotten. */
  @Transform(toInt) @IsInt({ message: 'must be a whole number of milliseconds' }) @Min(50) @Max(600_000)
  BUS_HEARTBEAT_MS: number = 5000;

  @IsIn(LOG_LEVELS, { message: `must be one of ${LOG_LEVELS.join(', ')}` })
  LOG_LEVEL: (typeof LOG_LEVELS)[number] = 'log';

  /** `json`: one JSON object per line, for a log pipeline; `pretty`: coloured lines for a terminal. */
  @IsIn(LOG_FORMATS, { message: `must be one of ${LOG_FORMATS.join(', ')}` })
  LOG_FORMAT: (typeof LOG_FORMATS)[number] = 'json';

  /**
   * Put in front of every exchange and queue name (`<namespace>.bus.sales`), so two deployments
   * (or a deployment and a test run) share one broker, or one vhost, without meeting.
   */
  @Optional() @Matches(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/, { message: 'must be letters, digits, ".", "_" or "-" (at most 63), e.g. "staging"' })
  BUS_NAMESPACE?: string;
}

const KEYS = ['PORT', 'AMQP_URL', 'BUS_CONFIG', 'ADMIN_TOKEN', 'ADMIN_TOKENS', 'ADMIN_TOKENS_FILE', 'MONGODB_URI', 'BUS_DATA_DIR', 'BUS_CONFIG_WATCH', 'LOG_LEVEL', 'LOG_FORMAT', 'BUS_NAMESPACE', 'BUS_HEARTBEAT_MS'] as const;

/**
 * Layer 1 of the config check. Reads only the bus's own variables (an empty value counts as unset)
 * and throws ConfigError listing every problem.
 */
export function loadEnv(env: Record<string, string | undefined> = process.env): BusEnv {
  const picked: Record<string, string> = {};
  for (const key of KEYS) {
    const value = env[key];
    if (value !== undefined && value !== '') picked[key] = value;
  }
  const value = plainToInstance(BusEnv, picked, { exposeDefaultValues: true });
  const problems = flattenErrors(validateSync(value, { stopAtFirstError: true }), '');
  if (problems.length) throw new ConfigError('environment', problems);
  return value;
}
