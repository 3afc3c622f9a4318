import crypto from 'node:crypto';
import { Admin, Consumer, Kafka, KafkaMessage, logLevel } from 'kafkajs';

/** Helpers for integration tests against the real broker (started by the Jest global set-up). */
export function testBrokers(): string[] {
  return (process.env['KAFKA_BROKERS'] || '127.0.0.1:9092').split(',');
}

export function testKafka(clientId = 'gridwerk-test'): Kafka {
  return new Kafka({ clientId, brokers: testBrokers(), logLevel: logLevel.NOTHING });
}

export function uniqueName(prefix: string): string {
  return `${prefix}.${Date.now()}.${crypto.randomBytes(3).toString('hex')}`;
}

export async function createTopic(admin: Admin, topic: string, partitions = 3): Promise<void> {
  await admin.createTopics({
    waitForLeaders: true,
    topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }],
  });
}

/**
 * Reads from `topic` (from the beginning) until `until` says enough or the timeout passes; returns
 * what it read. Each call uses its own consumer group.
 */
export async function readMessages(
  kafka: Kafka,
  topic: string,
  until: (msgs: KafkaMessage[]) => boolean,
  timeoutMs = 30_000,
): Promise<KafkaMessage[]> {
  const consumer: Consumer = kafka.consumer({
    groupId: uniqueName('test-reader'),
    allowAutoTopicCreation: false,
  });
  const msgs: KafkaMessage[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => resolve(), timeoutMs);
      consumer
        .run({
          eachMessage: async ({ message }) => {
            msgs.push(message);
            if (until(msgs)) {
              clearTimeout(timer);
              resolve();
            }
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
  return msgs;
}
