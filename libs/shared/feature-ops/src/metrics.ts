import { Controller, Get, Header, Inject, Injectable } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Public } from '@gridwerk/shared/auth';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

export const OPS_OPTIONS = Symbol('OPS_OPTIONS');

export interface OpsOptions {
  /** Service name: the `service` label on every metric and the log field. */
  service: string;
  /** Checks /health runs besides the always-on process check. */
  checks: { kafka: boolean; database: boolean };
}

/** One Prometheus registry per app, with default process metrics and the service label. */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();
  private readonly sources: (() => Promise<string>)[] = [];

  constructor(@Inject(OPS_OPTIONS) opts: OpsOptions) {
    this.registry.setDefaultLabels({ service: opts.service });
    collectDefaultMetrics({ register: this.registry, prefix: 'gridwerk_' });
  }

  counter<L extends string>(name: string, help: string, labelNames: readonly L[] = []): Counter<L> {
    return (
      this.existing<Counter<L>>(name) ?? new Counter({ name, help, labelNames, registers: [this.registry] })
    );
  }

  gauge<L extends string>(name: string, help: string, labelNames: readonly L[] = []): Gauge<L> {
    return this.existing<Gauge<L>>(name) ?? new Gauge({ name, help, labelNames, registers: [this.registry] });
  }

  histogram<L extends string>(
    name: string,
    help: string,
    buckets: number[],
    labelNames: readonly L[] = [],
  ): Histogram<L> {
    return (
      this.existing<Histogram<L>>(name) ??
      new Histogram({ name, help, buckets, labelNames, registers: [this.registry] })
    );
  }

  /**
   * Adds metrics kept outside this registry (e.g. by worker threads) to every scrape. The text must be
   * in the Prometheus exposition format and must not repeat a metric name of the registry.
   */
  addSource(collect: () => Promise<string>): void {
    this.sources.push(collect);
  }

  /** The whole scrape: the registry and every added source. */
  async scrape(): Promise<string> {
    const parts = [await this.registry.metrics(), ...(await Promise.all(this.sources.map((s) => s())))];
    return parts.filter((p) => p.length > 0).join('\n');
  }

  private existing<T>(name: string): T | undefined {
    return this.registry.getSingleMetric(name) as T | undefined;
  }
}

/** Public, like /health: Prometheus scrapes without a token (keep /metrics off the public ingress). */
@Public()
@ApiExcludeController()
@Controller('metrics')
export class MetricsHttpController {
  constructor(private readonly metrics: MetricsService) {}

  @Get()
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  async scrape(): Promise<string> {
    return this.metrics.scrape();
  }
}

/** A check an app adds to /health, e.g. "the consumer loop is not stuck". */
export interface HealthContributor {
  readonly key: string;
  check(): { ok: boolean; detail?: string } | Promise<{ ok: boolean; detail?: string }>;
}

/** App services register their own checks here; /health runs them with the platform's. */
@Injectable()
export class HealthRegistry {
  private readonly contributors: HealthContributor[] = [];
  private readonly liveContributors: HealthContributor[] = [];

  register(c: HealthContributor): void {
    this.contributors.push(c);
  }

  all(): readonly HealthContributor[] {
    return this.contributors;
  }

  /**
   * A check of /health/live: only for a state a restart cures (a loop that stopped making progress),
   * never for a dependency being down (that is readiness, /health).
   */
  registerLiveness(c: HealthContributor): void {
    this.liveContributors.push(c);
  }

  liveness(): readonly HealthContributor[] {
    return this.liveContributors;
  }
}
