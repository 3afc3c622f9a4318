import { Controller, Get, Inject, Optional } from '@nestjs/common';
import {
  HealthCheck,
  HealthCheckService,
  HealthIndicatorFunction,
  HealthIndicatorService,
  TypeOrmHealthIndicator,
} from '@nestjs/terminus';
import { ApiExcludeController } from '@nestjs/swagger';
import { Public } from '@gridwerk/shared/auth';
import { KafkaHealthIndicator } from '@gridwerk/shared/data-access-kafka';
import { HealthRegistry, OPS_OPTIONS, OpsOptions } from './metrics';

/**
 * /health for Kubernetes: `/health/live` says the process serves requests (liveness), `/health`
 * checks the broker and the database this service depends on (readiness). Public: probes carry no
 * token; not part of an app's OpenAPI document (that documents the authenticated API).
 */
@Public()
@ApiExcludeController()
@Controller('health')
export class HealthHttpController {
  constructor(
    private readonly health: HealthCheckService,
    @Inject(OPS_OPTIONS) private readonly opts: OpsOptions,
    private readonly registry: HealthRegistry,
    private readonly indicator: HealthIndicatorService,
    @Optional() private readonly kafka?: KafkaHealthIndicator,
    @Optional() private readonly db?: TypeOrmHealthIndicator,
  ) {}

  @Get()
  @HealthCheck()
  check() {
    const checks: HealthIndicatorFunction[] = [];
    if (this.opts.checks.kafka && this.kafka) {
      const kafka = this.kafka;
      checks.push(() => kafka.isHealthy('kafka'));
    }
    if (this.opts.checks.database && this.db) {
      const db = this.db;
      checks.push(() => db.pingCheck('database', { timeout: 3_000 }));
    }
    for (const c of this.registry.all()) {
      checks.push(async () => {
        const r = await c.check();
        const session = this.indicator.check(c.key);
        return r.ok
          ? session.up(r.detail ? { detail: r.detail } : {})
          : session.down({ message: r.detail ?? 'down' });
      });
    }
    return this.health.check(checks);
  }

  @Get('live')
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }
}
