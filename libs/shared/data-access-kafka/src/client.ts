/**
 * The part of this lib that is free of NestJS: the kafkajs client, the idempotent producer and the
 * dead-letter publisher, for code that runs outside a Nest app (the ingest consumer threads). Importing
 * the main entry point loads NestJS with KafkaModule; this one loads kafkajs only.
 */
export { DeadLetterPublisher } from './dead-letter.publisher';
export { IdempotentProducer } from './idempotent-producer';
export { createKafkaClient } from './kafka-client';
export type { KafkaLogSink } from './kafka-client';
