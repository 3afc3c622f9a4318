import { Counter, Gauge, Registry } from 'prom-client';
import { type InputDecision } from '@gridwerk/forecast/domain';

/**
 * Prometheus metrics of the forecast jobs and the weather feed. A CronJob process writes them once at its
 * end (`--metrics-file`, for node-exporter's textfile collector); the service exposes its own registry.
 */
export class ForecastJobMetrics {
  readonly registry: Registry;
  readonly inputDecisions: Counter<'stage' | 'kind' | 'column'>;
  readonly pointsReplaced: Counter<'reason' | 'horizon'>;
  readonly weatherFallbackSeries: Counter<'horizon'>;
  readonly weatherVintages: Counter<'result'>;
  readonly weatherFeedAge: Gauge<'point'>;

  constructor(registry = new Registry()) {
    this.registry = registry;
    this.inputDecisions = new Counter({
      name: 'gridwerk_forecast_input_decisions_total',
      help: 'input-guard decisions (impute, drop-missing, drop-near-constant, clip, stale-target, fallback-without, output-replaced) by stage (fit, predict)',
      labelNames: ['stage', 'kind', 'column'],
      registers: [registry],
    });
    this.pointsReplaced = new Counter({
      name: 'gridwerk_forecast_points_replaced_total',
      help: 'forecast points replaced by the fallback baseline, by reason (envelope, inputs-missing)',
      labelNames: ['reason', 'horizon'],
      registers: [registry],
    });
    this.weatherFallbackSeries = new Counter({
      name: 'gridwerk_forecast_weather_fallback_series_total',
      help: 'series forecast without the weather their model was trained with (weather feed missing), flagged inputs-missing',
      labelNames: ['horizon'],
      registers: [registry],
    });
    this.weatherVintages = new Counter({
      name: 'gridwerk_forecast_weather_vintages_total',
      help: 'weather forecast vintages received, by result (stored, duplicate, dead-lettered)',
      labelNames: ['result'],
      registers: [registry],
    });
    this.weatherFeedAge = new Gauge({
      name: 'gridwerk_forecast_weather_feed_age_seconds',
      help: 'age of the latest weather forecast vintage of a weather point at the last forecast run',
      labelNames: ['point'],
      registers: [registry],
    });
  }

  countDecisions(decisions: readonly InputDecision[]): void {
    for (const d of decisions)
      this.inputDecisions.inc({ stage: d.stage, kind: d.kind, column: d.column ?? '' }, d.count);
  }

  /** Prometheus text exposition of everything counted. */
  text(): Promise<string> {
    return this.registry.metrics();
  }
}
