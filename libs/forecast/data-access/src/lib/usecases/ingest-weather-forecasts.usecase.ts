import type { Kafka, KafkaMessage } from 'kafkajs';
import {
  EventTypes,
  Topics,
  type WeatherForecast,
  checkMessageKey,
  deadLetterReasonFor,
  parseEvent,
} from '@gridwerk/contracts';
import {
  type WeatherForecastVintage,
  type WeatherQuantity,
  isForecastError,
} from '@gridwerk/forecast/domain';
import { type DeadLetterReason, type FailedMessage } from '@gridwerk/shared/data-access-kafka';
import { type JsonLogger } from '@gridwerk/shared/util-logging';
import { type ForecastJobMetrics } from '../forecast-metrics';
import { type WeatherForecastRepository } from '../weather-forecast.repository';

/** Consumer group of the forecast service's weather consumer (its ACL is in k8s/base/kafka-users.yaml). */
export const WEATHER_CONSUMER_GROUP = 'gridwerk-forecast-weather';

export type WeatherMessageResult = 'stored' | 'duplicate' | 'dead-lettered';

export interface DeadLetterSink {
  publish(msg: FailedMessage, consumerGroup: string, reason: DeadLetterReason): Promise<void>;
}

/** The contract's event data as a domain vintage. */
export function vintageOfEvent(d: WeatherForecast): WeatherForecastVintage {
  const quantities: WeatherQuantity[] = ['ghiWPerM2', 'temperatureC', 'cloudCoverPct', 'windSpeedMPerS'];
  const values: Partial<Record<WeatherQuantity, Float64Array>> = {};
  for (const q of quantities) {
    if (d.points.some((p) => p[q] !== undefined))
      values[q] = Float64Array.from(d.points, (p) => p[q] ?? Number.NaN);
  }
  return {
    pointId: d.weatherPointId,
    source: d.source,
    issueTimeMs: Date.parse(d.issueTime),
    stepMs: d.stepMinutes * 60_000,
    targetsMs: d.points.map((p) => Date.parse(p.targetStart)),
    values,
  };
}

/**
 * One message of grid.weather.forecasts.v1: validated against the contract (and its key), stored by vintage;
 * an invalid message goes to the dead-letter topic with its reason and is never thrown at the consumer loop.
 */
export class StoreWeatherForecastUseCase {
  constructor(
    private readonly repo: WeatherForecastRepository,
    private readonly dlq: DeadLetterSink,
    private readonly log: JsonLogger,
    private readonly metrics?: ForecastJobMetrics,
    private readonly group = WEATHER_CONSUMER_GROUP,
  ) {}

  async handle(msg: FailedMessage): Promise<WeatherMessageResult> {
    const parsed = parseEvent(msg.value ?? '', EventTypes.weatherForecast);
    const problems = parsed.ok
      ? checkMessageKey(EventTypes.weatherForecast, msg.key, parsed.value.data)
      : parsed.problems;
    if (!parsed.ok || problems.length > 0) return this.deadLetter(msg, deadLetterReasonFor(problems));
    let written: number;
    try {
      written = await this.repo.save(vintageOfEvent(parsed.value.data));
    } catch (e) {
      if (!isForecastError(e)) throw e;
      return this.deadLetter(msg, { code: e.code, message: e.message });
    }
    const result: WeatherMessageResult = written > 0 ? 'stored' : 'duplicate';
    this.metrics?.weatherVintages.inc({ result });
    this.log.info(
      result === 'stored' ? 'weather forecast stored' : 'weather forecast stored before: replay',
      {
        weatherPointId: parsed.value.data.weatherPointId,
        issueTime: parsed.value.data.issueTime,
        steps: written,
      },
    );
    return result;
  }

  private async deadLetter(msg: FailedMessage, reason: DeadLetterReason): Promise<WeatherMessageResult> {
    await this.dlq.publish(msg, this.group, reason);
    this.metrics?.weatherVintages.inc({ result: 'dead-lettered' });
    this.log.warn('weather forecast dead-lettered', {
      topic: msg.topic,
      partition: msg.partition,
      offset: msg.offset,
      code: reason.code,
      reason: reason.message,
    });
    return 'dead-lettered';
  }
}

export interface ConsumeWeatherSummary {
  stored: number;
  duplicate: number;
  deadLettered: number;
  seconds: number;
}

/**
 * Consumes grid.weather.forecasts.v1 in the weather consumer group. `untilCaughtUp` (the CronJob and the
 * tests): stops once every partition has been read up to the end offsets seen at the start (by this run or,
 * as its committed offset says, an earlier one: a run with nothing new stops at once). Offsets are
 * committed after each message is stored or dead-lettered, so a crash replays (idempotently) and loses nothing.
 */
export async function consumeWeatherForecasts(
  kafka: Kafka,
  useCase: StoreWeatherForecastUseCase,
  opts: {
    topic?: string;
    groupId?: string;
    untilCaughtUp: boolean;
    signal?: AbortSignal;
    timeoutMs?: number;
  },
): Promise<ConsumeWeatherSummary> {
  const topic = opts.topic ?? Topics.weatherForecasts;
  const t0 = Date.now();
  const summary: ConsumeWeatherSummary = { stored: 0, duplicate: 0, deadLettered: 0, seconds: 0 };
  const groupId = opts.groupId ?? WEATHER_CONSUMER_GROUP;
  const admin = kafka.admin();
  await admin.connect();
  let ends: Map<number, bigint>;
  /** The newest offset the group has read per partition: a partition it read to its end before is caught up. */
  const position = new Map<number, bigint>();
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    ends = new Map(offsets.map((o) => [o.partition, BigInt(o.high)]));
    const committed = await admin.fetchOffsets({ groupId, topics: [topic] });
    for (const p of committed.find((c) => c.topic === topic)?.partitions ?? [])
      if (BigInt(p.offset) > 0n) position.set(p.partition, BigInt(p.offset) - 1n);
  } finally {
    await admin.disconnect();
  }
  const caughtUp = (): boolean =>
    [...ends].every(([p, high]) => high === 0n || (position.get(p) ?? -1n) + 1n >= high);
  // nothing new since the group's last run: no consumer to start (and to stop while it joins)
  if (opts.untilCaughtUp && caughtUp()) return summary;
  const consumer = kafka.consumer({ groupId, allowAutoTopicCreation: false });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer =
        opts.timeoutMs === undefined
          ? undefined
          : setTimeout(
              () => reject(new Error(`weather consumer did not catch up within ${opts.timeoutMs} ms`)),
              opts.timeoutMs,
            );
      const done = (): void => {
        if (timer !== undefined) clearTimeout(timer);
        resolve();
      };
      opts.signal?.addEventListener('abort', done, { once: true });
      consumer.on(consumer.events.GROUP_JOIN, () => {
        if (opts.untilCaughtUp && caughtUp()) done();
      });
      consumer
        .run({
          autoCommit: true,
          eachMessage: async ({ partition, message }: { partition: number; message: KafkaMessage }) => {
            const result = await useCase.handle({
              topic,
              partition,
              offset: message.offset,
              key: message.key,
              value: message.value,
              headers: message.headers,
            });
            if (result === 'stored') summary.stored++;
            else if (result === 'duplicate') summary.duplicate++;
            else summary.deadLettered++;
            position.set(partition, BigInt(message.offset));
            if (opts.untilCaughtUp && caughtUp()) done();
          },
        })
        .catch(reject);
    });
    await consumer.commitOffsets(
      [...position].map(([partition, offset]) => ({ topic, partition, offset: (offset + 1n).toString() })),
    );
  } finally {
    await consumer.disconnect();
  }
  summary.seconds = Math.round((Date.now() - t0) / 100) / 10;
  return summary;
}
