import { Pool } from 'pg';
import { DataSource } from 'typeorm';
import { postgresDataSourceOptions } from '@gridwerk/shared/data-access-database';
import { kafkaClientConfig, type KafkaSettings } from '@gridwerk/shared/data-access-kafka';
import { type JsonLogger } from '@gridwerk/shared/util-logging';
import { CompressionTypes, Kafka, type LogEntry, Partitioners, type Producer, logLevel } from 'kafkajs';
import { FORECAST_MIGRATIONS } from './migrations';
import { type OutboxPublisher } from './outbox.relay';

/** Applies the forecast migrations (explicit, never synchronize); returns the names of those it ran. */
export async function runForecastMigrations(
  url: string,
  applicationName = 'gridwerk-forecast',
): Promise<string[]> {
  const ds = new DataSource(
    postgresDataSourceOptions({ url, applicationName, migrations: FORECAST_MIGRATIONS, poolMax: 1 }),
  );
  await ds.initialize();
  try {
    const ran = await ds.runMigrations({ transaction: 'each' });
    return ran.map((m) => m.name);
  } finally {
    await ds.destroy();
  }
}

export function createForecastPool(url: string, max = 4, applicationName = 'gridwerk-forecast'): Pool {
  return new Pool({
    connectionString: url,
    max,
    application_name: applicationName,
    connectionTimeoutMillis: 5_000,
  });
}

/** An idempotent kafkajs producer for jobs (CLI, CronJob) outside Nest; connects on first send. */
export class KafkaOutboxPublisher implements OutboxPublisher {
  private readonly producer: Producer;
  private connected = false;

  /** kafkajs warnings and errors go to the job's JSON log (stderr for the CLI), never to stdout. */
  constructor(settings: KafkaSettings, log: JsonLogger) {
    const kafkaLog = log.child({ context: 'kafkajs' });
    const logCreator =
      () =>
      ({ level, log: entry }: LogEntry): void => {
        const { message, ...extra } = entry;
        // Printed for every idempotent producer with bounded retries: by design here.
        if (message.startsWith('[Producer] Limiting retries')) return;
        if (level <= logLevel.ERROR) kafkaLog.error(message, extra);
        else kafkaLog.warn(message, extra);
      };
    const kafka = new Kafka({ ...kafkaClientConfig(settings), logLevel: logLevel.WARN, logCreator });
    this.producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 5,
      allowAutoTopicCreation: false,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
  }

  async send(topic: string, messages: { key: string; value: string }[]): Promise<void> {
    if (!this.connected) {
      await this.producer.connect();
      this.connected = true;
    }
    await this.producer.send({ topic, messages, acks: -1, compression: CompressionTypes.None });
  }

  async close(): Promise<void> {
    if (this.connected) await this.producer.disconnect();
    this.connected = false;
  }
}
