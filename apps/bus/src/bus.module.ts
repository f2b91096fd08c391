import { type DynamicModule, Logger, Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { BUS_OPTIONS, type BusOptions } from './bus.options';
import { CONFIG_SERVICE_OPTIONS, ConfigService } from './config/config.service';
import { AmqpConnection, Consumer, Publisher, QueryClient, QueryServer } from './messaging';
import { BUS_STORE, type BusStore } from './store/bus-store';
import { createStore } from './store/create-store';
import { Journal } from './journal/journal.service';
import { MetricsService } from './metrics/metrics.service';
import { MetricsController } from './metrics/metrics.controller';
import { MetricsBindings } from './metrics/metrics.bindings';
import { EnvelopeFactory } from './inbound/envelope.factory';
import { InboundPipeline } from './inbound/inbound.pipeline';
import { InboundListener } from './inbound/inbound.listener';
import { Dispatcher } from './delivery/dispatcher.service';
import { DeliveryHandler } from './delivery/delivery.handler';
import { DeliveryLeases } from './delivery/delivery-lease';
import { DeliveryFaults } from './delivery/delivery-faults';
import { DispatchesInFlight } from './delivery/dispatches-in-flight';
import { XrefService } from './delivery/xref.service';
import { IngressService } from './ingress/ingress.service';
import { IngressController } from './ingress/ingress.controller';
import { QueryService } from './queries/query.service';
import { QueryAnswerer } from './queries/query-answerer';
import { QueryController } from './queries/query.controller';
import { AdapterHost } from './adapters/adapter-host.service';
import { DestinationRetirement } from './adapters/destination-retirement';
import { HealthController } from './health/health.controller';
import { DestinationHealth } from './health/destination-health';
import { AdminTokenGuard } from './admin/admin-token.guard';
import { AdminService } from './admin/admin.service';
import { DeadLetterReplayService } from './admin/dead-letter-replay.service';
import { DeadLetterQueueReconciler } from './delivery/dead-letter-queue.reconciler';
import { AdminController } from './admin/admin.controller';
import { ConfigAdminController } from './admin/config-admin.controller';
import { ConfigHistoryService } from './config/config-history.service';
import { ShutdownSequence } from './shutdown.sequence';
import { JobsService } from './jobs/jobs.service';
import { JobsController } from './jobs/jobs.controller';
import { RateBook } from './processors/rate-book';
import { FileUsageCounter } from './processors/file-usage.counter';
import { ProcessorEmitter } from './processors/processor-emitter';
import { ProcessorHost } from './processors/processor-host.service';
import { InstancesService } from './instances/instances.service';
import { InstancesController } from './instances/instances.controller';
import { LoggingModule, type LogSettings } from './logging/logging.module';
import type { BusEnv } from './config/env.schema';
import { ConsoleController } from './console/console.controller';
import { DeadLetterGroupsController } from './console/dead-letter-groups.controller';
import { DeadLetterGroupsService } from './console/dead-letter-groups.service';
import { OverviewService } from './console/overview.service';
import { RouteObjectives } from './console/route-objectives';
import { ServiceLevelMetrics } from './console/service-level.metrics';
import { AuditInterceptor } from './admin/audited.interceptor';

/**
 * Wires the bus. The messaging classes and the store are plain classes (testable without Nest);
 * they are built here from the checked environment. Shutdown order lives in ShutdownSequence.
 */
@Module({})
export class BusModule {
  static register(given: BusOptions): DynamicModule {
    const options: BusOptions = { ...given, brokerPrefix: given.brokerPrefix ?? given.env.BUS_NAMESPACE, log: given.log ?? logSettingsOf(given.env) };
    const { env } = options;
    return {
      module: BusModule,
      imports: [TerminusModule, LoggingModule.forRoot(options.log!)],
      controllers: [IngressController, QueryController, HealthController, AdminController, ConfigAdminController, JobsController, MetricsController, InstancesController, ConsoleController, DeadLetterGroupsController],
      providers: [
        { provide: BUS_OPTIONS, useValue: options },
        { provide: CONFIG_SERVICE_OPTIONS, useValue: { file: env.BUS_CONFIG, env: options.vars, initial: options.initial, watch: env.BUS_CONFIG_WATCH } },
        ConfigService,
        {
          provide: AmqpConnection,
          useFactory: () => new AmqpConnection({ url: env.AMQP_URL, connectionName: ['bpi-bus', process.pid, options.brokerPrefix].filter(Boolean).join(' ') }),
        },
        { provide: Publisher, useFactory: (c: AmqpConnection) => new Publisher(c, { prefix: options.brokerPrefix, queueType: options.initial.config.delivery.queueType, bundleRecords: options.initial.config.delivery.bundleRecords }), inject: [AmqpConnection] },
        // Queues keep the type they were declared with, so the consumers, like the publisher, use the type of the start
        // (a reload that changes it names it under atNextStart).
        { provide: Consumer, useFactory: (c: AmqpConnection, p: Publisher) => new Consumer(c, p, undefined, { queueType: options.initial.config.delivery.queueType }), inject: [AmqpConnection, Publisher] },
        { provide: QueryClient, useFactory: (c: AmqpConnection) => new QueryClient(c, { prefix: options.brokerPrefix }), inject: [AmqpConnection] },
        { provide: QueryServer, useFactory: (c: AmqpConnection) => new QueryServer(c, { prefix: options.brokerPrefix }), inject: [AmqpConnection] },
        {
          provide: BUS_STORE,
          useFactory: () => {
            const logger = new Logger('store');
            return createStore(env, { retentionMs: options.initial.config.journal.retention, onPurgeError: (err) => logger.warn(`Journal retention purge failed: ${(err as Error).message}; it runs again later.`) });
          },
        },
        {
          provide: Journal,
          useFactory: (store: BusStore, config: ConfigService) => new Journal(store, { settings: () => config.active().config.journal, businessKeys: () => config.active().config.businessKeys, logger: new Logger('journal') }),
          inject: [BUS_STORE, ConfigService],
        },
        { provide: DestinationHealth, useFactory: () => new DestinationHealth() },
        { provide: MetricsService, useFactory: (destinationHealth: DestinationHealth) => new MetricsService({ logger: new Logger('metrics'), destinationHealth }), inject: [DestinationHealth] },
        AdminTokenGuard,
        EnvelopeFactory,
        XrefService,
        DispatchesInFlight,
        Dispatcher,
        DeliveryFaults,
        DeliveryHandler,
        { provide: DeliveryLeases, useFactory: (store: BusStore) => new DeliveryLeases(store), inject: [BUS_STORE] },
        InboundPipeline,
        InboundListener,
        IngressService,
        QueryService,
        QueryAnswerer,
        AdapterHost,
        DestinationRetirement,
        RateBook,
        FileUsageCounter,
        ProcessorEmitter,
        ProcessorHost,
        InstancesService,
        AdminService,
        ConfigHistoryService,
        DeadLetterReplayService,
        DeadLetterQueueReconciler,
        JobsService,
        MetricsBindings,
        ShutdownSequence,
        AuditInterceptor,
        RouteObjectives,
        ServiceLevelMetrics,
        OverviewService,
        DeadLetterGroupsService,
      ],
    };
  }
}

const PINO_LEVELS = { error: 'error', warn: 'warn', log: 'info', debug: 'debug', verbose: 'trace' } as const;

/** LOG_LEVEL speaks Nest's level names; pino has its own. */
export function logSettingsOf(env: Pick<BusEnv, 'LOG_LEVEL' | 'LOG_FORMAT'>): LogSettings {
  return { level: PINO_LEVELS[env.LOG_LEVEL] ?? 'info', format: env.LOG_FORMAT ?? 'json' };
}
