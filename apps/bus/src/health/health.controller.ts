import { Controller, Get } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, type HealthIndicatorResult } from '@nestjs/terminus';
import { HealthIndicatorService } from '@nestjs/terminus';
import { AmqpConnection } from '../messaging/amqp-connection';
import { ConfigService } from '../config/config.service';
import { AdapterHost } from '../adapters/adapter-host.service';
import { InstancesService } from '../instances/instances.service';
import { ErrorCodes } from '@bus/canonical-model';

/**
 * Open to all (probes carry no token). Readiness is the bus's own state: broker, config, and no peer
 * instance on the same broker namespace with another store (instances/). A destination that is down
 * makes its messages wait in their queue, it does not make the bus unready.
 * Destinations' health is reported by `/health/adapters`.
 */
@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicator: HealthIndicatorService,
    private readonly amqp: AmqpConnection,
    private readonly config: ConfigService,
    private readonly adapters: AdapterHost,
    private readonly instances: InstancesService,
  ) {}

  @Get('live')
  @HealthCheck()
  live() {
    return this.health.check([]);
  }

  @Get('ready')
  @HealthCheck()
  ready() {
    return this.health.check([
      () => this.check('broker', this.amqp.isConnected(), 'not connected to RabbitMQ; the bus reconnects by itself, check AMQP_URL and the broker'),
      () => {
        const status = this.config.status();
        return this.check('config', Boolean(status.version), 'no configuration loaded', { version: status.version });
      },
      () => {
        // A peer with another store would accept and deliver again what this one accepted.
        const conflict = this.instances.conflict();
        const self = { instanceId: this.instances.instanceId, storeId: this.instances.ownStoreId };
        return this.check('instances', !conflict, conflict?.message ?? '', conflict ? { ...self, code: ErrorCodes.INSTANCE_STORE_MISMATCH, peers: conflict.peers } : self);
      },
    ]);
  }

  @Get('adapters')
  @HealthCheck()
  async adaptersHealth() {
    const reports = await this.adapters.health();
    return this.health.check(
      reports.map((r) => () => this.check(r.system, r.status === 'up', r.detail ?? 'down', { adapter: r.adapter })),
    );
  }

  private check(key: string, up: boolean, reason: string, extra: Record<string, unknown> = {}): HealthIndicatorResult {
    const session = this.indicator.check(key);
    return up ? session.up(extra) : session.down({ ...extra, reason });
  }
}
