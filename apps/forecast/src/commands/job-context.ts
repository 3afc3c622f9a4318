import type { Pool } from 'pg';
import { useTfBackend } from '@gridwerk/forecast/domain';
import { writeFileSync } from 'node:fs';
import {
  ForecastJobMetrics,
  KafkaOutboxPublisher,
  createForecastPool,
  runForecastMigrations,
} from '@gridwerk/forecast/data-access';
import { JsonLogger } from '@gridwerk/shared/util-logging';
import { type CliIo } from './cli-command';
import { type ForecastJobConfig, loadForecastJobConfig } from './cli.config';

/** What a database-backed job needs, opened from the validated config and closed again afterwards. */
export interface JobContext {
  config: ForecastJobConfig;
  log: JsonLogger;
  db: Pool;
  seriesDb: Pool;
  publisher: KafkaOutboxPublisher;
  /** Written to FORECAST_METRICS_FILE when the job ends (if set). */
  metrics: ForecastJobMetrics;
}

/**
 * Opens pools (and a lazily connecting Kafka producer), optionally runs the forecast migrations and the TF
 * backend, runs `fn`, and always closes everything — a CronJob process must exit on its own.
 */
export async function withJobContext<T>(
  io: CliIo,
  opts: { migrate: boolean; tf: boolean },
  fn: (ctx: JobContext) => Promise<T>,
): Promise<T> {
  const config = loadForecastJobConfig();
  const log = new JsonLogger({ service: 'forecast', level: config.logLevel, write: io.err });
  if (opts.migrate) {
    const ran = await runForecastMigrations(config.databaseUrl);
    if (ran.length > 0) log.info('migrations applied', { migrations: ran });
  }
  if (opts.tf) await useTfBackend(config.tfBackend);
  const db = createForecastPool(config.databaseUrl, Math.min(config.databasePoolMax, 4));
  const seriesDb =
    config.seriesUrl === config.databaseUrl
      ? db
      : createForecastPool(config.seriesUrl, 2, 'gridwerk-forecast-series');
  const publisher = new KafkaOutboxPublisher(config.kafka, log);
  const metrics = new ForecastJobMetrics();
  try {
    return await fn({ config, log, db, seriesDb, publisher, metrics });
  } finally {
    if (config.metricsFile !== undefined) {
      try {
        writeFileSync(config.metricsFile, await metrics.text());
      } catch (e) {
        log.error('metrics file could not be written', {
          file: config.metricsFile,
          reason: e instanceof Error ? e.message : String(e),
        });
      }
    }
    await publisher.close().catch(() => undefined);
    if (seriesDb !== db) await seriesDb.end();
    await db.end();
  }
}
