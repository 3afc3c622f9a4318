import { IngestProcess } from '../../../e2e/service-process';
import type { CityContext, CityQuarter, CityStage } from './stage';
import { metricValue, until } from './stage';

/** burst → stored: the ingest service (compiled bundle, as deployed) committed the quarter's last reading. */
export function storedStage(): CityStage {
  let ingest: IngestProcess | undefined;
  const inserted = async (): Promise<number> =>
    metricValue(
      await (ingest as IngestProcess).metrics().catch(() => ''),
      'gridwerk_ingest_rows_total',
      'table="meter_reading",result="inserted"',
    ) ?? 0;
  return {
    name: 'stored',
    key: 'burstToStoredSeconds',
    async setup(ctx: CityContext) {
      ingest = new IngestProcess(
        3991,
        {
          DATABASE_URL: ctx.databaseUrl,
          KAFKA_BROKERS: ctx.brokers,
          INGEST_CONSUMER_GROUP: `bench-city-${Date.now().toString(36)}`,
          INGEST_READINGS_TOPIC: ctx.topics.readings,
          INGEST_TELEMETRY_TOPIC: ctx.topics.telemetry,
          LOG_LEVEL: 'warn',
        },
        ['--max-semi-space-size=16'],
        ctx.root,
      );
      ctx.services.set('ingest', ingest);
      await ingest.start();
    },
    awaitQuarter: (q: CityQuarter) =>
      until(
        `quarter ${q.intervalStart.toISOString()} stored`,
        async () => (await inserted()) >= q.totalReadings,
      ),
    async teardown() {
      await ingest?.stop().catch(() => undefined);
    },
  };
}
