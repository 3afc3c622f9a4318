// Public API of @gridwerk/contracts: topics, event types, envelopes, schemas, units and validation.
export {
  DEAD_LETTER_TOPIC_MAX_MESSAGE_BYTES,
  INPUT_TOPIC_MAX_MESSAGE_BYTES,
  Topics,
  TOPIC_NAMES,
  TOPIC_SPECS,
  isTopicName,
  topicSpec,
} from './topics';
export type { TopicName, TopicSpec } from './topics';

export {
  EventTypes,
  EVENT_TYPE_LIST,
  SCHEMA_BASE_URI,
  eventSchemaId,
  eventSchemaName,
  isEventType,
} from './event-types';
export type { EventType } from './event-types';

export {
  ASSET_ID_PATTERN,
  HOUR_MS,
  MAX_INTERVAL_ENERGY_WH,
  MAX_REGISTER_WH,
  METER_POINT_ID_LENGTH,
  METER_POINT_ID_PATTERN,
  MINUTE_MS,
  QUARTER_HOUR_MS,
  UTC_INSTANT_PATTERN,
  UTILITY_PARTY_ID,
  WHOLE_SECOND_INSTANT_PATTERN,
  floorToQuarterHour,
  isAlignedTo,
  isIntegerCt,
  isIntegerWh,
  isMeterPointId,
  isNonNegativeIntegerWh,
  isQuarterHourAligned,
  isUtcInstant,
  toEpochMs,
  toUtcInstant,
  unitOfField,
} from './units';

export {
  AnyCloudEventSchema,
  CLOUDEVENTS_SPEC_VERSION,
  CloudEventSchema,
  EVENT_DATA_CONTENT_TYPE,
  createEvent,
} from './envelope';
export type { AnyCloudEvent, CreateEventOptions } from './envelope';

export * from './events/meter-reading.schema';
export * from './events/battery-telemetry.schema';
export * from './events/battery-command.schema';
export * from './events/battery-command-v2.schema';
export * from './events/forecast-issued.schema';
export * from './events/settlement-transaction.schema';
export * from './events/settlement-batch.schema';
export * from './events/alert.schema';
export * from './events/dead-letter.schema';
export * from './events/weather-forecast.schema';

export { EVENT_TYPES, TOPIC_EVENT_TYPE, messageKeyOf } from './event-registry';
export type { AnyEvent, EventDataMap, EventDataOf, EventMap, EventOf, EventTypeSpec } from './event-registry';

export { ValidationProblemSchema } from './validation-problem';
export type { ValidationProblem, ValidationResult } from './validation-problem';
export { SemanticCodes, checkEnvelopeSemantics } from './semantics';
export {
  PROBLEM_REASON_CODES,
  ParseProblemCodes,
  checkMessageKey,
  deadLetterReasonFor,
  parseEvent,
  validateEvent,
  validateEventData,
} from './validate';

export { CONTRACTS_VERSION, buildAsyncApiDocument } from './asyncapi';
export type { AsyncApiDocument } from './asyncapi';
export { JSON_SCHEMA_DIALECT, jsonSchemaDocumentOf } from './json-schema';

export {
  EXAMPLE_METER_POINT_ID,
  EXAMPLE_METER_POINT_ID_2,
  EXAMPLE_TIME,
  exampleEvent,
  exampleEventData,
  exampleEvents,
} from './testing/examples';
