/**
 * CloudEvents `type` values of every Gridwerk event. Reverse-DNS, versioned: never rename or change the
 * meaning of a type; a breaking change is a new type with a new version suffix.
 */
export const EventTypes = {
  meterReading: 'de.gridwerk.meter.reading.v1',
  batteryTelemetry: 'de.gridwerk.battery.telemetry.v1',
  batteryCommand: 'de.gridwerk.battery.command.v1',
  batteryCommandV2: 'de.gridwerk.battery.command.v2',
  forecastIssued: 'de.gridwerk.forecast.issued.v1',
  settlementTransaction: 'de.gridwerk.settlement.transaction.v1',
  settlementBatch: 'de.gridwerk.settlement.batch.v1',
  alert: 'de.gridwerk.alert.v1',
  deadLetter: 'de.gridwerk.dead-letter.v1',
  weatherForecast: 'de.gridwerk.weather.forecast.v1',
} as const;

export type EventType = (typeof EventTypes)[keyof typeof EventTypes];

export const EVENT_TYPE_LIST: readonly EventType[] = Object.values(EventTypes);

export function isEventType(value: unknown): value is EventType {
  return typeof value === 'string' && (EVENT_TYPE_LIST as readonly string[]).includes(value);
}

/** Base of every schema `$id` and of the CloudEvents `dataschema` attribute. */
export const SCHEMA_BASE_URI = 'https://schemas.gridwerk.de/events/';

const TYPE_PATTERN = /^de\.gridwerk\.(.+)\.(v[0-9]+)$/;

/**
 * File-system friendly name of an event type: `de.gridwerk.forecast.issued.v1` -> `forecast-issued.v1`.
 * The schema files in `libs/contracts/schemas/` are named `<this>.schema.json`.
 */
export function eventSchemaName(type: EventType): string {
  const match = TYPE_PATTERN.exec(type);
  if (!match) throw new Error(`Not a Gridwerk event type: ${type}`);
  return `${match[1].replace(/\./g, '-')}.${match[2]}`;
}

/** `$id` of the data schema of an event type, also used as its CloudEvents `dataschema`. */
export function eventSchemaId(type: EventType): string {
  return `${SCHEMA_BASE_URI}${eventSchemaName(type)}.schema.json`;
}
