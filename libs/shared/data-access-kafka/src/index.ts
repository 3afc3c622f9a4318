export { buildDeadLetter, DEAD_LETTER_RECORD_OVERHEAD_BYTES } from './dead-letter';
export type { DeadLetterReason, FailedMessage } from './dead-letter';
export { kafkaClientConfig, kafkaConfigSpec, kafkaSettingsFrom } from './kafka.config';
export type { KafkaSettings } from './kafka.config';
export type { KafkaLogSink } from './kafka.module';
export {
  createKafkaClient,
  DEAD_LETTER_MAX_BYTES,
  DeadLetterPublisher,
  KAFKA_CLIENT,
  KAFKA_SETTINGS,
  KafkaHealthIndicator,
  KafkaModule,
  KafkaProducer,
} from './kafka.module';
export { kafkaMicroserviceOptions, RawKafkaDeserializer } from './kafka-transport';
export type { RawKafkaMessage } from './kafka-transport';
export { createTopic, readMessages, testBrokers, testKafka, uniqueName } from './testing/kafka-test';
