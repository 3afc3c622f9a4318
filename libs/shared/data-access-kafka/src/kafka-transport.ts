import { Deserializer, IncomingEvent, KafkaOptions, Transport } from '@nestjs/microservices';
import type { IHeaders } from 'kafkajs';
import { kafkaClientConfig, KafkaSettings } from './kafka.config';

/** The message a handler receives: the untouched bytes, so a dead letter can carry the original. */
export interface RawKafkaMessage {
  topic: string;
  partition: number;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: IHeaders;
  timestamp: string;
}

interface ParsedKafkaMessage {
  topic: string;
  partition: number;
  offset: string;
  /** Nest's parser has already decoded the key (to a string, or JSON): turned back into bytes here. */
  key: unknown;
  value: Buffer | null;
  headers?: IHeaders;
  timestamp: string;
}

function keyBytes(key: unknown): Buffer | null {
  if (key === null || key === undefined) return null;
  if (Buffer.isBuffer(key)) return key;
  return Buffer.from(typeof key === 'string' ? key : JSON.stringify(key), 'utf8');
}

/**
 * Nest's Kafka transport normally JSON-decodes values and throws away malformed bytes; with
 * `keepBinary` and this deserializer, handlers get the raw message and validate it themselves
 * (CONVENTIONS 4: an invalid message is dead-lettered, never thrown at the consumer loop).
 */
export class RawKafkaDeserializer implements Deserializer<ParsedKafkaMessage, IncomingEvent> {
  deserialize(value: ParsedKafkaMessage, options?: Record<string, unknown>): IncomingEvent {
    const channel = typeof options?.['channel'] === 'string' ? options['channel'] : value.topic;
    const data: RawKafkaMessage = {
      topic: value.topic,
      partition: value.partition,
      offset: value.offset,
      key: keyBytes(value.key),
      value: value.value,
      headers: value.headers ?? {},
      timestamp: value.timestamp,
    };
    return { pattern: channel, data };
  }
}

/** Options for `app.connectMicroservice` with the @nestjs/microservices Kafka transport (kafkajs). */
export function kafkaMicroserviceOptions(settings: KafkaSettings, groupId: string): KafkaOptions {
  return {
    transport: Transport.KAFKA,
    options: {
      // Nest appends "-server"/"-client" to client ids unless postfixId is empty.
      postfixId: '',
      client: kafkaClientConfig(settings),
      consumer: { groupId, allowAutoTopicCreation: false, sessionTimeout: 30_000, heartbeatInterval: 3_000 },
      subscribe: { fromBeginning: true },
      run: { autoCommit: true, partitionsConsumedConcurrently: 1 },
      parser: { keepBinary: true },
      deserializer: new RawKafkaDeserializer(),
      producerOnlyMode: false,
    },
  };
}
