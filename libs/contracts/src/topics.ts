import { EventType, EventTypes } from './event-types';

/**
 * Every Kafka topic of Gridwerk.
 *
 * Never rename a topic and never change what its messages mean: a breaking change is a new version
 * (`...v2`) produced alongside the old one until every consumer has moved.
 */
export const Topics = {
  meterReadings: 'grid.meter.readings.v1',
  batteryTelemetry: 'grid.battery.telemetry.v1',
  batteryCommands: 'grid.battery.commands.v1',
  batteryCommandsV2: 'grid.battery.commands.v2',
  forecasts: 'grid.forecasts.v1',
  settlementTransactions: 'grid.settlement.transactions.v1',
  settlementBatches: 'grid.settlement.batches.v1',
  alerts: 'grid.alerts.v1',
  deadLetters: 'grid.dlq.v1',
  weatherForecasts: 'grid.weather.forecasts.v1',
} as const;

export type TopicName = (typeof Topics)[keyof typeof Topics];

export const TOPIC_NAMES: readonly TopicName[] = Object.values(Topics);

export function isTopicName(value: unknown): value is TopicName {
  return typeof value === 'string' && (TOPIC_NAMES as readonly string[]).includes(value);
}

export interface TopicSpec {
  readonly name: TopicName;
  /** What the Kafka message key is: the field of `data` it is taken from (ordering is per key). */
  readonly key: string;
  readonly partitions: number;
  readonly retentionMs: number;
  readonly cleanupPolicy: 'delete';
  /**
   * Topic-level `max.message.bytes` (largest record batch the broker accepts), where the topic needs
   * one other than the broker's default: the local broker (tools/infra) and the Strimzi KafkaTopic
   * (k8s/base/kafka-topics.yaml) both apply this value.
   */
  readonly maxMessageBytes?: number;
  readonly description: string;
  /** The one CloudEvents type carried on this topic. */
  readonly eventType: EventType;
}

const DAY_MS = 24 * 60 * 60 * 1000;
const MIB = 1024 * 1024;

/**
 * Input topics of raw series accept records up to 1 MiB (an event is well under 1 KiB; the limit bounds
 * what a hostile producer can push). The dead-letter topic takes 4 MiB, so that the dead letter of any
 * accepted input (its bytes base64-encoded, plus headers and reason) fits; consumers truncate what would
 * not (see DeadLetterSchema.truncated).
 */
export const INPUT_TOPIC_MAX_MESSAGE_BYTES = 1 * MIB;
export const DEAD_LETTER_TOPIC_MAX_MESSAGE_BYTES = 4 * MIB;

/** Topic configuration in one place: infra creates topics from this list, AsyncAPI documents it. */
export const TOPIC_SPECS: readonly TopicSpec[] = [
  {
    name: Topics.meterReadings,
    key: 'meterPointId',
    partitions: 6,
    retentionMs: 7 * DAY_MS,
    cleanupPolicy: 'delete',
    maxMessageBytes: INPUT_TOPIC_MAX_MESSAGE_BYTES,
    description: 'Interval energy and cumulative registers of smart meters, keyed by meter point id.',
    eventType: EventTypes.meterReading,
  },
  {
    name: Topics.batteryTelemetry,
    key: 'assetId',
    partitions: 3,
    retentionMs: 7 * DAY_MS,
    cleanupPolicy: 'delete',
    maxMessageBytes: INPUT_TOPIC_MAX_MESSAGE_BYTES,
    description: 'State of charge, power, health and mode of battery storage units.',
    eventType: EventTypes.batteryTelemetry,
  },
  {
    name: Topics.batteryCommands,
    key: 'assetId',
    partitions: 3,
    retentionMs: 1 * DAY_MS,
    cleanupPolicy: 'delete',
    description: 'Dispatch commands (setpoint, auto, idle) to battery storage units.',
    eventType: EventTypes.batteryCommand,
  },
  {
    name: Topics.batteryCommandsV2,
    key: 'assetId',
    partitions: 3,
    retentionMs: 1 * DAY_MS,
    cleanupPolicy: 'delete',
    description:
      'Dispatch commands v2 (setpoint, station-flow limit with SoC reserve, auto, idle) to battery storage units.',
    eventType: EventTypes.batteryCommandV2,
  },
  {
    name: Topics.forecasts,
    key: 'seriesId',
    partitions: 3,
    retentionMs: 30 * DAY_MS,
    cleanupPolicy: 'delete',
    description: 'Quantile (P10/P50/P90) load forecasts per series, intraday and day-ahead.',
    eventType: EventTypes.forecastIssued,
  },
  {
    name: Topics.settlementTransactions,
    key: 'communityId',
    partitions: 3,
    retentionMs: 365 * DAY_MS,
    cleanupPolicy: 'delete',
    description: 'Energy-sharing microtransactions per community and 15-minute interval.',
    eventType: EventTypes.settlementTransaction,
  },
  {
    name: Topics.settlementBatches,
    key: 'communityId',
    partitions: 3,
    retentionMs: 365 * DAY_MS,
    cleanupPolicy: 'delete',
    description: 'Batches of microtransactions committed on chain (Merkle root, transaction hash).',
    eventType: EventTypes.settlementBatch,
  },
  {
    name: Topics.alerts,
    key: 'assetId',
    partitions: 1,
    retentionMs: 30 * DAY_MS,
    cleanupPolicy: 'delete',
    description: 'Operational alerts on grid assets (overloads, faults, data gaps).',
    eventType: EventTypes.alert,
  },
  {
    name: Topics.deadLetters,
    key: 'original message key',
    partitions: 1,
    retentionMs: 30 * DAY_MS,
    cleanupPolicy: 'delete',
    maxMessageBytes: DEAD_LETTER_TOPIC_MAX_MESSAGE_BYTES,
    description: 'Messages a consumer could not process, with original bytes, position and reason.',
    eventType: EventTypes.deadLetter,
  },
  {
    name: Topics.weatherForecasts,
    key: 'weatherPointId',
    partitions: 3,
    retentionMs: 30 * DAY_MS,
    cleanupPolicy: 'delete',
    maxMessageBytes: INPUT_TOPIC_MAX_MESSAGE_BYTES,
    description:
      'Weather forecasts (irradiance, temperature, cloud cover, wind) per weather point with their issue time (vintage).',
    eventType: EventTypes.weatherForecast,
  },
];

export function topicSpec(name: TopicName): TopicSpec {
  const spec = TOPIC_SPECS.find((s) => s.name === name);
  if (!spec) throw new Error(`No topic spec for ${name}`);
  return spec;
}
