import type { RequestListener, Server } from 'node:http';
import { type INestApplication, type LogLevel } from '@nestjs/common';
import type { LevelWithSilent } from 'pino';
import { NestFactory } from '@nestjs/core';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { BusOptions } from './bus.options';
import { BusModule } from './bus.module';
import { rawBody } from './common/raw-body.middleware';
import { ConfigService } from './config/config.service';
import { json } from 'express';
import { validationPipe } from './common/validation.pipe';
import { RetryAfterFilter } from './common/retry-after.filter';
import { BusLogger } from './logging/bus-logger';
import { busVersion } from './bus.version';
import { consoleAssets } from './console/console-assets';
import { IngressService } from './ingress/ingress.service';
import { ingressHandlerFirst } from './ingress/ingress.http-handler';

export interface BusAppOptions extends BusOptions {
  /** Nest-style levels to write (the lowest one counts) or false for none; default LOG_LEVEL. */
  logger?: LogLevel[] | false;
}

const LEVEL_ORDER: [LogLevel, LevelWithSilent][] = [['verbose', 'trace'], ['debug', 'debug'], ['log', 'info'], ['warn', 'warn'], ['error', 'error']];

function pinoLevel(levels: LogLevel[] | false): LevelWithSilent {
  if (levels === false) return 'silent';
  return LEVEL_ORDER.find(([nest]) => levels.includes(nest))?.[1] ?? 'silent';
}

/** Builds the bus application the same way for `npm start`, the tests and the benchmark. */
export async function createBusApp(options: BusAppOptions): Promise<INestApplication> {
  const log = options.log ?? (options.logger !== undefined ? { level: pinoLevel(options.logger), format: options.env.LOG_FORMAT } : undefined);
  const app = await NestFactory.create(BusModule.register({ ...options, log }), {
    bodyParser: false,
    // Throw instead of exiting: main.ts reports it, and a test sees the error.
    abortOnError: false,
    // Held until the structured logger below takes over, so no line is written in another format.
    bufferLogs: true,
  });
  app.useLogger(app.get(BusLogger));
  const express = app.getHttpAdapter().getInstance() as { disable(setting: string): void };
  express.disable('x-powered-by');
  // An ETag is a hash of every response body; no client of the bus revalidates, so it is pure cost.
  express.disable('etag');
  const config = app.get(ConfigService);
  const bodyLimit = () => config.active().config.ingress.bodyLimit;
  const server = app.getHttpServer() as Server;
  const [nestApp] = server.listeners('request') as RequestListener[];
  server.removeAllListeners('request');
  server.on('request', ingressHandlerFirst(app.get(IngressService), bodyLimit, nestApp));
  // Raw bytes for the query route: only the asking system's codec may parse its body.
  app.use('/adapters/:system/queries', rawBody(bodyLimit));
  app.use('/admin', json({ limit: '1mb' }));
  app.use('/console', consoleAssets());
  app.useGlobalPipes(validationPipe());
  app.useGlobalFilters(new RetryAfterFilter(app.getHttpAdapter()));
  const openApi = new DocumentBuilder()
    .setTitle('bpi-bus')
    .setVersion(busVersion())
    .setDescription('Ingress, request-reply queries, health and admin API of the integration bus')
    .addBearerAuth()
    .addApiKey({ type: 'apiKey', name: 'X-Api-Key', in: 'header' }, 'system-key')
    .build();
  SwaggerModule.setup('docs', app, () => SwaggerModule.createDocument(app, openApi));
  app.enableShutdownHooks();
  return app;
}
