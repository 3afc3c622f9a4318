export { buildDeadLetter, DEAD_LETTER_RECORD_OVERHEAD_BYTES } from './dead-letter';
export type { DeadLetterReason, FailedMessage } from './dead-letter';
export { kafkaClientConfig, kafkaConfigSpec, kafkaSettingsFrom } from './kafka.config';
export type { KafkaSettings } from './kafka.config';
export { DeadLetterPublisher } from './dead-letter.publisher';
export { IdempotentProducer } from './idempotent-producer';
export { createKafkaClient } from './kafka-client';
export type { KafkaLogSink } from './kafka-client';
export {
  DEAD_LETTER_MAX_BYTES,
  KAFKA_CLIENT,
  KAFKA_SETTINGS,
  KafkaHealthIndicator,
  KafkaModule,
  KafkaProducer,
} from './kafka.module';
export { kafkaMicroserviceOptions, RawKafkaDeserializer } from './kafka-transport';
export type { RawKafkaMessage } from './kafka-transport';
export {
  createTopic,
  endOffsets,
  readMessages,
  readMessagesFrom,
  testBrokers,
  testKafka,
  uniqueName,
  type TopicOffset,
} from './testing/kafka-test';
