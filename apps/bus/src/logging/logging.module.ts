import type { IncomingMessage, ServerResponse } from 'node:http';
import { type DynamicModule, Module, RequestMethod } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import pino, { type DestinationStream, type LevelWithSilent } from 'pino';
import { BusLogger } from './bus-logger';

export interface LogSettings {
  /** pino level; `silent` for none. */
  level: LevelWithSilent;
  format: 'json' | 'pretty';
}

/** Request headers that carry a secret; never written (the request serializer drops headers anyway). */
const SECRET_HEADERS = ['req.headers["x-api-key"]', 'req.headers.authorization', 'req.headers.cookie'];

/**
 * Structured logs: one JSON object per line (level label, ISO time, `context`, the fields of
 * {@link logLine}), or coloured lines with `LOG_FORMAT=pretty`. Requests are not logged one by one
 * (quiet when healthy); an admin request that ends in a 5xx is, with its secret headers redacted, and
 * lines written while one of {@link OPERATOR_ROUTES} is handled carry its `reqId`.
 *
 * pino-http keeps its logger in a module-wide singleton: several bus applications in one process
 * (tests) share the settings of the first one.
 */
@Module({})
export class LoggingModule {
  static forRoot(settings: LogSettings): DynamicModule {
    return { module: LoggingModule, imports: [pinoModule(settings)], providers: [BusLogger], exports: [BusLogger] };
  }
}

function pinoModule(settings: LogSettings): DynamicModule {
  const options = {
    level: settings.level,
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label: string) => ({ level: label }) },
    redact: { paths: SECRET_HEADERS, censor: '***' },
    quietReqLogger: true,
    // A 503 from /health/* is the answer a probe asks for, not an incident.
    customLogLevel: (req: IncomingMessage, res: ServerResponse, err?: Error): LevelWithSilent =>
      (err || res.statusCode >= 500) && !req.url?.startsWith('/health') ? 'error' : 'silent',
    // The line says which request failed; the exception itself is logged with its stack where it is thrown.
    serializers: {
      req: (req: { method?: string; url?: string }) => ({ method: req.method, url: req.url }),
      res: (res: { statusCode?: number }) => ({ statusCode: res.statusCode }),
      err: (err: Error) => ({ type: err.name, message: err.message }),
    },
  };
  return LoggerModule.forRoot({
    pinoHttp: settings.format === 'pretty' ? [options, prettyStream()] : options,
    forRoutes: OPERATOR_ROUTES,
  });
}

/**
 * The routes with a request logger: the operators' ones. The systems' endpoints (`/adapters/*`, the hot
 * path) have none, not even an exclusion check per request: the logger cost visible CPU per message,
 * and their own warnings and errors carry the message id anyway.
 */
export const OPERATOR_ROUTES = [
  { path: 'admin/*path', method: RequestMethod.ALL },
  { path: 'health/*path', method: RequestMethod.ALL },
  { path: 'metrics', method: RequestMethod.ALL },
];

/** pino-pretty in the main thread (no worker): a terminal is the only reader of this format. */
function prettyStream(): DestinationStream {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const pretty = require('pino-pretty') as (options: Record<string, unknown>) => DestinationStream;
  // One line per entry, the part of the bus in front of the text, the fields after it.
  return pretty({ colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,context', messageFormat: '{context}: {msg}', singleLine: true, sync: true });
}
