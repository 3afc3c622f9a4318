import { TObject, TSchema } from '@sinclair/typebox';
import { EventType, EventTypes, eventSchemaId, eventSchemaName } from './event-types';
import { Alert, AlertEvent, AlertEventSchema, AlertSchema } from './events/alert.schema';
import {
  BatteryCommand,
  BatteryCommandEvent,
  BatteryCommandEventSchema,
  BatteryCommandSchema,
} from './events/battery-command.schema';
import {
  BatteryCommandV2,
  BatteryCommandV2Event,
  BatteryCommandV2EventSchema,
  BatteryCommandV2Schema,
} from './events/battery-command-v2.schema';
import {
  BatteryTelemetry,
  BatteryTelemetryEvent,
  BatteryTelemetryEventSchema,
  BatteryTelemetrySchema,
} from './events/battery-telemetry.schema';
import {
  DeadLetter,
  DeadLetterEvent,
  DeadLetterEventSchema,
  DeadLetterSchema,
} from './events/dead-letter.schema';
import {
  ForecastIssued,
  ForecastIssuedEvent,
  ForecastIssuedEventSchema,
  ForecastIssuedSchema,
} from './events/forecast-issued.schema';
import {
  MeterReading,
  MeterReadingEvent,
  MeterReadingEventSchema,
  MeterReadingSchema,
} from './events/meter-reading.schema';
import {
  SettlementBatch,
  SettlementBatchEvent,
  SettlementBatchEventSchema,
  SettlementBatchSchema,
} from './events/settlement-batch.schema';
import {
  SettlementTransaction,
  SettlementTransactionEvent,
  SettlementTransactionEventSchema,
  SettlementTransactionSchema,
} from './events/settlement-transaction.schema';
import {
  WeatherForecast,
  WeatherForecastEvent,
  WeatherForecastEventSchema,
  WeatherForecastSchema,
} from './events/weather-forecast.schema';
import { TopicName, Topics } from './topics';

/** TypeScript type of `data` per event type. */
export interface EventDataMap {
  'de.gridwerk.meter.reading.v1': MeterReading;
  'de.gridwerk.battery.telemetry.v1': BatteryTelemetry;
  'de.gridwerk.battery.command.v1': BatteryCommand;
  'de.gridwerk.battery.command.v2': BatteryCommandV2;
  'de.gridwerk.forecast.issued.v1': ForecastIssued;
  'de.gridwerk.settlement.transaction.v1': SettlementTransaction;
  'de.gridwerk.settlement.batch.v1': SettlementBatch;
  'de.gridwerk.alert.v1': Alert;
  'de.gridwerk.dead-letter.v1': DeadLetter;
  'de.gridwerk.weather.forecast.v1': WeatherForecast;
}

export type EventDataOf<T extends EventType> = EventDataMap[T];

/** Complete CloudEvent (envelope + data) per event type, derived from the envelope schemas. */
export interface EventMap {
  'de.gridwerk.meter.reading.v1': MeterReadingEvent;
  'de.gridwerk.battery.telemetry.v1': BatteryTelemetryEvent;
  'de.gridwerk.battery.command.v1': BatteryCommandEvent;
  'de.gridwerk.battery.command.v2': BatteryCommandV2Event;
  'de.gridwerk.forecast.issued.v1': ForecastIssuedEvent;
  'de.gridwerk.settlement.transaction.v1': SettlementTransactionEvent;
  'de.gridwerk.settlement.batch.v1': SettlementBatchEvent;
  'de.gridwerk.alert.v1': AlertEvent;
  'de.gridwerk.dead-letter.v1': DeadLetterEvent;
  'de.gridwerk.weather.forecast.v1': WeatherForecastEvent;
}

/** A complete CloudEvent of type `T`. */
export type EventOf<T extends EventType> = EventMap[T];

export type AnyEvent = { [T in EventType]: EventOf<T> }[EventType];

export interface EventTypeSpec {
  readonly type: EventType;
  /** JSON Schema of `data` (TypeBox). */
  readonly schema: TObject;
  /** JSON Schema of the whole envelope with `data` embedded. */
  readonly envelopeSchema: TSchema;
  readonly topic: TopicName;
  /** `$id` of the data schema = CloudEvents `dataschema`. */
  readonly schemaId: string;
  /** File name stem under `libs/contracts/schemas/`, e.g. `meter-reading.v1`. */
  readonly schemaName: string;
  /** The field of `data` the Kafka key is taken from (dead letters keep the original key). */
  readonly keyField: string;
}

function spec(
  type: EventType,
  schema: TObject,
  envelopeSchema: TSchema,
  topic: TopicName,
  keyField: string,
): EventTypeSpec {
  return {
    type,
    schema,
    envelopeSchema,
    topic,
    schemaId: eventSchemaId(type),
    schemaName: eventSchemaName(type),
    keyField,
  };
}

export const EVENT_TYPES: Readonly<Record<EventType, EventTypeSpec>> = {
  [EventTypes.meterReading]: spec(
    EventTypes.meterReading,
    MeterReadingSchema,
    MeterReadingEventSchema,
    Topics.meterReadings,
    'meterPointId',
  ),
  [EventTypes.batteryTelemetry]: spec(
    EventTypes.batteryTelemetry,
    BatteryTelemetrySchema,
    BatteryTelemetryEventSchema,
    Topics.batteryTelemetry,
    'assetId',
  ),
  [EventTypes.batteryCommand]: spec(
    EventTypes.batteryCommand,
    BatteryCommandSchema,
    BatteryCommandEventSchema,
    Topics.batteryCommands,
    'assetId',
  ),
  [EventTypes.batteryCommandV2]: spec(
    EventTypes.batteryCommandV2,
    BatteryCommandV2Schema,
    BatteryCommandV2EventSchema,
    Topics.batteryCommandsV2,
    'assetId',
  ),
  [EventTypes.forecastIssued]: spec(
    EventTypes.forecastIssued,
    ForecastIssuedSchema,
    ForecastIssuedEventSchema,
    Topics.forecasts,
    'seriesId',
  ),
  [EventTypes.settlementTransaction]: spec(
    EventTypes.settlementTransaction,
    SettlementTransactionSchema,
    SettlementTransactionEventSchema,
    Topics.settlementTransactions,
    'communityId',
  ),
  [EventTypes.settlementBatch]: spec(
    EventTypes.settlementBatch,
    SettlementBatchSchema,
    SettlementBatchEventSchema,
    Topics.settlementBatches,
    'communityId',
  ),
  [EventTypes.alert]: spec(EventTypes.alert, AlertSchema, AlertEventSchema, Topics.alerts, 'assetId'),
  [EventTypes.deadLetter]: spec(
    EventTypes.deadLetter,
    DeadLetterSchema,
    DeadLetterEventSchema,
    Topics.deadLetters,
    'keyBase64',
  ),
  [EventTypes.weatherForecast]: spec(
    EventTypes.weatherForecast,
    WeatherForecastSchema,
    WeatherForecastEventSchema,
    Topics.weatherForecasts,
    'weatherPointId',
  ),
};

/** The one event type carried on each topic. */
export const TOPIC_EVENT_TYPE: Readonly<Record<TopicName, EventType>> = {
  [Topics.meterReadings]: EventTypes.meterReading,
  [Topics.batteryTelemetry]: EventTypes.batteryTelemetry,
  [Topics.batteryCommands]: EventTypes.batteryCommand,
  [Topics.batteryCommandsV2]: EventTypes.batteryCommandV2,
  [Topics.forecasts]: EventTypes.forecastIssued,
  [Topics.settlementTransactions]: EventTypes.settlementTransaction,
  [Topics.settlementBatches]: EventTypes.settlementBatch,
  [Topics.alerts]: EventTypes.alert,
  [Topics.deadLetters]: EventTypes.deadLetter,
  [Topics.weatherForecasts]: EventTypes.weatherForecast,
};

/**
 * The Kafka message key for an event's data (keeps each meter's / asset's / community's events ordered).
 * For dead letters it is the original key (decoded), or null when the original message had none.
 */
export function messageKeyOf<T extends EventType>(type: T, data: EventDataOf<T>): string | null {
  if (type === EventTypes.deadLetter) {
    const keyBase64 = (data as DeadLetter).keyBase64;
    return keyBase64 === null ? null : Buffer.from(keyBase64, 'base64').toString('utf8');
  }
  const value = (data as unknown as Record<string, unknown>)[EVENT_TYPES[type].keyField];
  if (typeof value !== 'string') throw new Error(`${type}: key field ${EVENT_TYPES[type].keyField} missing`);
  return value;
}
