import { CompressionTypes, Kafka, Message, Partitioners, Producer } from 'kafkajs';

/** An idempotent producer (acks from every in-sync replica); KafkaProducer ties it to a Nest app's lifecycle. */
export class IdempotentProducer {
  readonly producer: Producer;

  constructor(kafka: Kafka) {
    this.producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 5,
      allowAutoTopicCreation: false,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
  }

  async connect(): Promise<void> {
    await this.producer.connect();
  }

  async send(topic: string, messages: Message[]): Promise<void> {
    await this.producer.send({ topic, messages, acks: -1, compression: CompressionTypes.None });
  }

  async disconnect(): Promise<void> {
    await this.producer.disconnect();
  }
}
