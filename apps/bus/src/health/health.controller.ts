import { Controller, Get, ServiceUnavailableException } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, type HealthIndicatorResult } from '@nestjs/terminus';
import { HealthIndicatorService } from '@nestjs/terminus';
import { AmqpConnection } from '../messaging/amqp-connection';
import { ConfigService } from '../config/config.service';
import { AdapterHost } from '../adapters/adapter-host.service';
import { InstancesService } from '../instances/instances.service';
import { ErrorCodes } from '@bus/canonical-model';

import { DestinationHealth } from './destination-health';
import { RouteObjectives } from '../console/route-objectives';
import { combineHealth, type SystemHealthView } from './adapters-health';

/**
 * Open to all (probes carry no token). Readiness is the bus's own state: broker, config, and no peer
 * instance on the same broker namespace with another store (instances/). A destination that is down
 * makes its messages wait in their queue, it does not make the bus unready.
 * Destinations' health is reported by `/health/adapters`: down when the adapter's check fails
 * (answers 503), degraded when it is reachable but its recent deliveries fail (answers 200 with
 * status `degraded`), so a probe that only opens a connection cannot call a failing system up.
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
    private readonly deliveries: DestinationHealth,
    private readonly objectives: RouteObjectives,
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
      // Only routes whose `slo:` says `degradesReadiness: true` count; the others are reported by metrics alone.
      async () => {
        if (!this.config.active().config.routes.some((r) => r.slo?.degradesReadiness)) return this.check('objectives', true, '');
        const broken = (await this.objectives.evaluate()).filter((o) => o.degradesReadiness && !o.ok);
        return this.check('objectives', broken.length === 0, broken.map((o) => `route ${o.route}: ${o.problems.join('; ')}`).join(' | '));
      },
    ]);
  }

  /** Terminus's shape (`status`, `info`, `error`, `details`), with `degraded` beside `up` and `down`. */
  @Get('adapters')
  async adaptersHealth() {
    const views = combineHealth(await this.adapters.health(), this.deliveries);
    const entry = ({ status, adapter, detail, deliveries }: SystemHealthView) => ({ status, adapter, ...(status === 'up' ? {} : { reason: detail ?? status }), ...(deliveries ? { deliveries } : {}) });
    const pick = (keep: (v: SystemHealthView) => boolean) => Object.fromEntries(views.filter(keep).map((v) => [v.system, entry(v)]));
    const down = views.some((v) => v.status === 'down');
    const body = {
      status: down ? 'error' : views.some((v) => v.status === 'degraded') ? 'degraded' : 'ok',
      info: pick((v) => v.status !== 'down'),
      error: pick((v) => v.status === 'down'),
      details: pick(() => true),
    };
    if (down) throw new ServiceUnavailableException(body);
    return body;
  }

  private check(key: string, up: boolean, reason: string, extra: Record<string, unknown> = {}): HealthIndicatorResult {
    const session = this.indicator.check(key);
    return up ? session.up(extra) : session.down({ ...extra, reason });
  }
}
