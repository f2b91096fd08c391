import { type DynamicModule, Inject, type MiddlewareConsumer, Module, type NestModule } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import pino, { type DestinationStream, type LevelWithSilent } from 'pino';
import { BusLogger } from './bus-logger';
import { OPERATOR_ROUTES, operatorRequestLog } from './operator-request.log';

export interface LogSettings {
  /** pino level; `silent` for none. */
  level: LevelWithSilent;
  format: 'json' | 'pretty';
  /** Where JSON lines go (tests); standard output when omitted. */
  destination?: DestinationStream;
}

const PINO_LOGGER = Symbol('pino logger');

/**
 * Structured logs: one JSON object per line (level label, ISO time, `context`, the fields of
 * {@link logLine}), or coloured lines with `LOG_FORMAT=pretty`. Requests are not logged one by one
 * (quiet when healthy); an operator request that ends in a 5xx is ({@link operatorRequestLog}).
 */
@Module({})
export class LoggingModule implements NestModule {
  constructor(@Inject(PINO_LOGGER) private readonly logger: pino.Logger) {}

  static forRoot(settings: LogSettings): DynamicModule {
    const logger = pino(
      { level: settings.level, timestamp: pino.stdTimeFunctions.isoTime, formatters: { level: (label: string) => ({ level: label }) } },
      settings.format === 'pretty' ? prettyStream() : settings.destination,
    );
    return {
      module: LoggingModule,
      // nestjs-pino for the application logger only: no routes, so its per-request AsyncLocalStorage is never entered.
      imports: [LoggerModule.forRoot({ pinoHttp: { logger }, forRoutes: [] })],
      providers: [BusLogger, { provide: PINO_LOGGER, useValue: logger }],
      exports: [BusLogger],
    };
  }

  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(operatorRequestLog(this.logger)).forRoutes(...OPERATOR_ROUTES);
  }
}

/** pino-pretty in the main thread (no worker): a terminal is the only reader of this format. */
function prettyStream(): DestinationStream {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const pretty = require('pino-pretty') as (options: Record<string, unknown>) => DestinationStream;
  // One line per entry, the part of the bus in front of the text, the fields after it.
  return pretty({ colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,context', messageFormat: '{context}: {msg}', singleLine: true, sync: true });
}
