import { Controller, Get, Inject, Optional, ServiceUnavailableException } from '@nestjs/common';
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

  /** 200 while the process serves requests and every liveness contributor is ok; 503 (with why) otherwise. */
  @Get('live')
  async live(): Promise<{ status: 'ok' }> {
    const failed: Record<string, string> = {};
    for (const c of this.registry.liveness()) {
      const r = await c.check();
      if (!r.ok) failed[c.key] = r.detail ?? 'down';
    }
    if (Object.keys(failed).length > 0) throw new ServiceUnavailableException({ status: 'error', failed });
    return { status: 'ok' };
  }
}
