import { EVENT_TYPES } from './event-registry';
import { EventType, EventTypes } from './event-types';
import { Json, toJsonSchema } from './json-schema';
import { TOPIC_SPECS, TopicName, Topics } from './topics';

/** Version of the contract set as a whole (info.version of the AsyncAPI document). */
export const CONTRACTS_VERSION = '1.0.0';

const KAFKA_BINDING_VERSION = '0.5.0';

export type AsyncApiDocument = { [key: string]: Json };

/** Who writes and who reads each topic (documentation only; DESIGN.md is the source). */
const PARTIES: Readonly<Record<TopicName, { producedBy: string; consumedBy: string }>> = {
  [Topics.meterReadings]: { producedBy: 'meters (simulator in dev)', consumedBy: 'ingest, settlement' },
  [Topics.batteryTelemetry]: { producedBy: 'storage units (simulator in dev)', consumedBy: 'ingest' },
  [Topics.batteryCommands]: { producedBy: 'dispatch', consumedBy: 'storage units' },
  [Topics.batteryCommandsV2]: {
    producedBy: 'dispatch',
    consumedBy: 'storage units (simulator in dev), grid-api',
  },
  [Topics.forecasts]: { producedBy: 'forecast', consumedBy: 'grid-api, dispatch' },
  [Topics.settlementTransactions]: { producedBy: 'settlement', consumedBy: 'billing systems' },
  [Topics.settlementBatches]: { producedBy: 'settlement', consumedBy: 'billing systems, grid-api' },
  [Topics.alerts]: { producedBy: 'ingest, grid-api', consumedBy: 'grid-api, operators' },
  [Topics.deadLetters]: { producedBy: 'every consumer', consumedBy: 'operators, replay tooling' },
  [Topics.weatherForecasts]: {
    producedBy: 'weather adapters (simulator in dev, DWD MOSMIX, CSV import)',
    consumedBy: 'forecast',
  },
};

function channelIdOf(topic: TopicName): string {
  const entry = Object.entries(Topics).find(([, name]) => name === topic);
  if (!entry) throw new Error(`Unknown topic ${topic}`);
  return entry[0];
}

/** `de.gridwerk.meter.reading.v1` -> `meterReading` (the key of EventTypes). */
export function messageIdOf(type: EventType): string {
  const entry = Object.entries(EventTypes).find(([, value]) => value === type);
  if (!entry) throw new Error(`Unknown event type ${type}`);
  return entry[0];
}

function keySchema(type: EventType): { [key: string]: Json } {
  if (type === EventTypes.deadLetter) {
    return {
      type: 'string',
      description: 'The key of the original message, unchanged (absent if it had none)',
    };
  }
  const spec = EVENT_TYPES[type];
  const properties = toJsonSchema(spec.schema)['properties'] as { [key: string]: Json };
  const field = properties[spec.keyField] as { [key: string]: Json };
  return { ...field, description: `data.${spec.keyField} of the event` };
}

function ucfirst(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** The AsyncAPI 3.0 document of every Gridwerk topic, built from the same TypeBox schemas as validation. */
export function buildAsyncApiDocument(): AsyncApiDocument {
  const channels: { [key: string]: Json } = {};
  const operations: { [key: string]: Json } = {};
  const messages: { [key: string]: Json } = {};

  for (const topic of TOPIC_SPECS) {
    const channelId = channelIdOf(topic.name);
    const messageId = messageIdOf(topic.eventType);
    const eventSpec = EVENT_TYPES[topic.eventType];
    const parties = PARTIES[topic.name];

    channels[channelId] = {
      address: topic.name,
      title: topic.name,
      description: `${topic.description} Key: ${topic.key}. Produced by ${parties.producedBy}; consumed by ${parties.consumedBy}.`,
      messages: { [messageId]: { $ref: `#/components/messages/${messageId}` } },
      bindings: {
        kafka: {
          topic: topic.name,
          partitions: topic.partitions,
          topicConfiguration: {
            'cleanup.policy': [topic.cleanupPolicy],
            'retention.ms': topic.retentionMs,
            ...(topic.maxMessageBytes === undefined ? {} : { 'max.message.bytes': topic.maxMessageBytes }),
          },
          bindingVersion: KAFKA_BINDING_VERSION,
        },
      },
    };
    const messageRef = { $ref: `#/channels/${channelId}/messages/${messageId}` };
    operations[`send${ucfirst(channelId)}`] = {
      action: 'send',
      summary: `Produced by ${parties.producedBy}`,
      channel: { $ref: `#/channels/${channelId}` },
      messages: [messageRef],
    };
    operations[`receive${ucfirst(channelId)}`] = {
      action: 'receive',
      summary: `Consumed by ${parties.consumedBy}`,
      channel: { $ref: `#/channels/${channelId}` },
      messages: [messageRef],
    };
    messages[messageId] = {
      name: topic.eventType,
      title: eventSpec.schema.title ?? topic.eventType,
      summary: `CloudEvents 1.0 structured JSON, type ${topic.eventType}, dataschema ${eventSpec.schemaId}`,
      contentType: 'application/json',
      payload: toJsonSchema(eventSpec.envelopeSchema),
      bindings: { kafka: { key: keySchema(topic.eventType), bindingVersion: KAFKA_BINDING_VERSION } },
    };
  }

  return {
    asyncapi: '3.0.0',
    info: {
      title: 'Gridwerk events',
      version: CONTRACTS_VERSION,
      description:
        'Kafka topics of Gridwerk. Every message value is a CloudEvents 1.0 envelope in structured JSON mode; ' +
        'energy in integer Wh, power in integer W, money in integer euro-cents, time as UTC instants. ' +
        'Generated from libs/contracts; do not edit by hand.',
    },
    defaultContentType: 'application/json',
    servers: {
      local: {
        host: '127.0.0.1:9092',
        protocol: 'kafka',
        description: 'Single-node KRaft broker started by infra/ for development and CI',
      },
    },
    channels,
    operations,
    components: { messages },
  };
}
