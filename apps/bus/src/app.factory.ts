import { type INestApplication, type LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { BusOptions } from './bus.options';
import { BusModule } from './bus.module';
import { rawBody } from './common/raw-body.middleware';
import { ConfigService } from './config/config.service';
import { json } from 'express';
import { validationPipe } from './common/validation.pipe';
import { RetryAfterFilter } from './common/retry-after.filter';

export interface BusAppOptions extends BusOptions {
  logger?: LogLevel[] | false;
}

/** Builds the bus application the same way for `npm start`, the tests and the benchmark. */
export async function createBusApp(options: BusAppOptions): Promise<INestApplication> {
  const app = await NestFactory.create(BusModule.register(options), {
    bodyParser: false,
    // Throw instead of exiting: main.ts reports it, and a test sees the error.
    abortOnError: false,
    logger: options.logger ?? ['error', 'warn', 'log'],
  });
  const express = app.getHttpAdapter().getInstance() as { disable(setting: string): void };
  express.disable('x-powered-by');
  // An ETag is a hash of every response body; no client of the bus revalidates, so it is pure cost.
  express.disable('etag');
  const config = app.get(ConfigService);
  // Raw bytes for every system route: only the system's codec may parse its body.
  app.use('/adapters', rawBody(() => config.active().config.ingress.bodyLimit));
  app.use('/admin', json({ limit: '1mb' }));
  app.useGlobalPipes(validationPipe());
  app.useGlobalFilters(new RetryAfterFilter(app.getHttpAdapter()));
  const openApi = new DocumentBuilder()
    .setTitle('bpi-bus')
    .setDescription('Ingress, request-reply queries, health and admin API of the integration bus')
    .addBearerAuth()
    .addApiKey({ type: 'apiKey', name: 'X-Api-Key', in: 'header' }, 'system-key')
    .build();
  SwaggerModule.setup('docs', app, () => SwaggerModule.createDocument(app, openApi));
  app.enableShutdownHooks();
  return app;
}
