import type { MetricObjectWithValues, MetricValue } from 'prom-client';
import type { IngestConsumer } from '@gridwerk/ingest/feature';
import type { IngestConfig } from '../config/ingest.config';

/** What a consumer thread starts with (structured-cloned: plain data only). */
export interface ConsumerThreadData {
  index: number;
  config: IngestConfig;
}

export type ConsumerTotals = IngestConsumer['totals'];
export type ConsumerStatus = ReturnType<IngestConsumer['status']>;

export type ThreadMetrics = MetricObjectWithValues<MetricValue<string>>[];

/** Main thread -> consumer thread. */
export type ToThread = { type: 'collect'; id: number } | { type: 'join' } | { type: 'stop' };

/** Consumer thread -> main thread. */
export type FromThread =
  /** connected and subscribed, waiting for `join` */
  | { type: 'prepared' }
  /** joined the consumer group and consuming */
  | { type: 'started' }
  | { type: 'failed'; error: string }
  | { type: 'status'; status: ConsumerStatus }
  | { type: 'metrics'; id: number; metrics: ThreadMetrics; totals: ConsumerTotals }
  | { type: 'stopped'; totals: ConsumerTotals };
