/**
 * Body of one ingest consumer thread: a complete consumer (kafkajs group member, validation, COPY
 * writer, dead-letter producer) with its own connections. Several threads in one process share the
 * partitions like separate replicas would, so parsing and encoding use more than one core.
 */
import 'reflect-metadata';
import { MessagePort, parentPort, workerData } from 'node:worker_threads';
import { Pool } from 'pg';
import { Registry } from 'prom-client';
import { MeterReadingWriter, RAW_RETENTION_DAYS } from '@gridwerk/ingest/data-access';
import { IngestBatchHandler, IngestConsumer } from '@gridwerk/ingest/feature';
// the NestJS-free entry: a consumer thread loads no Nest module
import {
  createKafkaClient,
  DeadLetterPublisher,
  IdempotentProducer,
} from '@gridwerk/shared/data-access-kafka/client';
import { createLogger } from '@gridwerk/shared/util-logging';
import type { ConsumerStatus, ConsumerThreadData, FromThread, ToThread } from './protocol';

function requireParentPort(): MessagePort {
  if (!parentPort) throw new Error('consumer-thread.ts runs as a worker thread of the ingest service');
  return parentPort;
}
const port = requireParentPort();
const post = (m: FromThread): void => port.postMessage(m);

async function main(): Promise<void> {
  const { config, index } = workerData as ConsumerThreadData;
  const log = createLogger('ingest', config.logLevel).child({ context: 'IngestConsumer', thread: index });
  const kafka = createKafkaClient(config.kafka, log.child({ context: 'kafkajs' }));
  const producer = new IdempotentProducer(kafka);
  const pool = new Pool({
    connectionString: config.databaseUrl,
    max: config.databasePoolMax,
    application_name: `gridwerk-ingest-writer-${index}`,
  });
  // A dropped connection is reported on the next query; without a listener it would kill the thread.
  pool.on('error', (err) => log.warn('idle database connection failed', { error: err.message }));
  const deadLetters = new DeadLetterPublisher(producer, config.kafka);
  const topics = { readings: config.readingsTopic, telemetry: config.telemetryTopic };
  const handler = new IngestBatchHandler(
    new MeterReadingWriter(pool),
    { publishAll: (items) => deadLetters.publishAll(config.consumerGroup, items) },
    topics,
    {
      maxMessageBytes: config.maxMessageBytes,
      maxClockSkewMs: config.maxClockSkewMs,
      retentionDays: RAW_RETENTION_DAYS,
    },
  );
  const registry = new Registry();
  registry.setDefaultLabels({ service: config.service });
  const consumer = new IngestConsumer(
    kafka,
    handler,
    {
      groupId: config.consumerGroup,
      topics,
      maxBatchRows: config.maxBatchRows,
      maxWaitMs: config.maxWaitMs,
      fetchMaxBytes: config.fetchMaxBytes,
      sessionTimeoutMs: config.sessionTimeoutMs,
      heartbeatIntervalMs: config.heartbeatIntervalMs,
      partitionsConcurrently: config.partitionsConcurrently,
      retryInitialMs: config.retryInitialMs,
      retryMaxMs: config.retryMaxMs,
      livenessStallMs: config.livenessStallMs,
      lagRefreshMs: config.lagRefreshMs,
      deadLetterLogIntervalMs: config.deadLetterLogIntervalMs,
    },
    registry,
    log,
  );

  // Health: the main thread learns of every change of this consumer's status.
  let last: ConsumerStatus = { ok: true, live: true };
  const statusTimer = setInterval(() => {
    const s = consumer.status();
    if (
      s.ok !== last.ok ||
      s.detail !== last.detail ||
      s.live !== last.live ||
      s.liveDetail !== last.liveDetail
    )
      post({ type: 'status', status: s });
    last = s;
  }, 250);

  let stopping: Promise<void> | undefined;
  let joining: Promise<void> | undefined;
  port.on('message', (m: ToThread) => {
    if (m.type === 'join') {
      joining ??= consumer.join().then(
        () => {
          // readiness without waiting for the next status tick
          last = consumer.status();
          post({ type: 'status', status: last });
          post({ type: 'started' });
        },
        (err: unknown) => post({ type: 'failed', error: err instanceof Error ? err.message : String(err) }),
      );
    } else if (m.type === 'collect') {
      void registry
        .getMetricsAsJSON()
        .then((metrics) => post({ type: 'metrics', id: m.id, metrics, totals: { ...consumer.totals } }));
    } else if (m.type === 'stop') {
      stopping ??= (async () => {
        clearInterval(statusTimer);
        // finishes the batch in hand and commits it, then leaves the group
        await consumer.stop();
        await producer.disconnect();
        await pool.end();
        post({ type: 'stopped', totals: { ...consumer.totals } });
      })();
    }
  });

  await producer.connect();
  await consumer.prepare();
  post({ type: 'prepared' });
}

main().catch((err: unknown) => {
  post({ type: 'failed', error: err instanceof Error ? err.message : String(err) });
});
