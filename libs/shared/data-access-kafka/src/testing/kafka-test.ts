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

export interface TopicOffset {
  partition: number;
  offset: string;
}

/** Where each partition of `topic` ends now: the offset its next message will get. */
export async function endOffsets(kafka: Kafka, topic: string): Promise<TopicOffset[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return (await admin.fetchTopicOffsets(topic)).map((o) => ({ partition: o.partition, offset: o.high }));
  } finally {
    await admin.disconnect();
  }
}

/**
 * Reads `topic` from the offsets `from` on — a long shared topic such as the dead-letter topic is not read
 * from its beginning — until `until` says enough or, without `until`, up to where its partitions end at
 * the call; returns what it read when done or after `timeoutMs`. Each call uses its own consumer group.
 */
export async function readMessagesFrom(
  kafka: Kafka,
  topic: string,
  from: readonly TopicOffset[],
  options: { until?: (msgs: KafkaMessage[]) => boolean; timeoutMs?: number } = {},
): Promise<KafkaMessage[]> {
  const { until } = options;
  const end = new Map((await endOffsets(kafka, topic)).map((o) => [o.partition, Number(o.offset)]));
  const next = new Map(from.map((o) => [o.partition, Number(o.offset)]));
  const done = (msgs: KafkaMessage[]): boolean =>
    until ? until(msgs) : from.every((o) => (next.get(o.partition) ?? 0) >= (end.get(o.partition) ?? 0));
  const consumer = kafka.consumer({ groupId: uniqueName('test-reader'), allowAutoTopicCreation: false });
  const msgs: KafkaMessage[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: false });
    await consumer.run({
      eachMessage: ({ partition, message }) => {
        const offset = Number(message.offset);
        // up to the end: what was written after the call is not read (nor what the seek reads again)
        if (until || offset < (end.get(partition) ?? 0)) msgs.push(message);
        next.set(partition, Math.max(next.get(partition) ?? 0, offset + 1));
        return Promise.resolve();
      },
    });
    for (const o of from) consumer.seek({ topic, partition: o.partition, offset: o.offset });
    const deadline = Date.now() + (options.timeoutMs ?? 30_000);
    while (!done(msgs) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
  } finally {
    await consumer.disconnect();
  }
  return msgs;
}
