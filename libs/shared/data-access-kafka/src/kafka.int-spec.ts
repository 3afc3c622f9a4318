import { createHash } from 'node:crypto';
import { Test } from '@nestjs/testing';
import { exampleEvents, parseEvent, Topics } from '@gridwerk/contracts';
import { DeadLetterPublisher } from './dead-letter.publisher';
import { KafkaModule, KafkaProducer } from './kafka.module';
import { kafkaSettingsFrom } from './kafka.config';
import {
  createTopic,
  endOffsets,
  readMessages,
  readMessagesFrom,
  testBrokers,
  testKafka,
  uniqueName,
} from './testing/kafka-test';

const settings = kafkaSettingsFrom('kafka-int-test', {
  kafkaBrokers: testBrokers(),
  kafkaClientId: undefined,
  kafkaSsl: false,
  kafkaSslCaFile: undefined,
  kafkaSaslMechanism: undefined,
  kafkaSaslUsername: undefined,
  kafkaSaslPassword: undefined,
});

describe('KafkaModule against the real broker', () => {
  const kafka = testKafka();
  const admin = kafka.admin();

  beforeAll(async () => {
    await admin.connect();
  });
  afterAll(async () => {
    await admin.disconnect();
  });

  it('round-trips contract events through a topic, keyed and in order per key', async () => {
    const topic = uniqueName('test.roundtrip');
    await createTopic(admin, topic, 3);
    const moduleRef = await Test.createTestingModule({ imports: [KafkaModule.forRoot(settings)] }).compile();
    await moduleRef.init();
    const producer = moduleRef.get(KafkaProducer);
    const reading = exampleEvents.meterReading();
    const events = Array.from({ length: 20 }, (_, i) => ({ ...reading, id: `evt-${i}` }));
    await producer.send(
      topic,
      events.map((e) => ({ key: e.subject, value: JSON.stringify(e) })),
    );
    await moduleRef.close();

    const got = await readMessages(kafka, topic, (m) => m.length >= 20);
    expect(got).toHaveLength(20);
    const ids = got.map((m) => {
      const parsed = parseEvent(m.value ?? Buffer.alloc(0));
      if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
      return parsed.value.id;
    });
    // one key -> one partition -> produced order
    expect(ids).toEqual(events.map((e) => e.id));
    expect(got.every((m) => m.key?.toString() === reading.subject)).toBe(true);
  });

  it('publishes a dead letter with the original bytes, position, group and reason', async () => {
    const moduleRef = await Test.createTestingModule({ imports: [KafkaModule.forRoot(settings)] }).compile();
    await moduleRef.init();
    const original = Buffer.from('{"not": "a cloud event"');
    const offset = String(Date.now());
    const from = await endOffsets(kafka, Topics.deadLetters); // the shared DLQ is long
    await moduleRef.get(DeadLetterPublisher).publish(
      {
        topic: Topics.meterReadings,
        partition: 2,
        offset,
        key: 'DE0000000000000000000000000000001',
        value: original,
      },
      'gridwerk-test-group',
      { code: 'JSON.PARSE', message: 'Unexpected end of JSON input' },
    );
    await moduleRef.close();

    const got = await readMessagesFrom(kafka, Topics.deadLetters, from, {
      until: (m) => m.some((x) => x.value?.toString().includes(offset)),
    });
    const dl = got
      .map((m) => parseEvent(m.value ?? Buffer.alloc(0), 'de.gridwerk.dead-letter.v1'))
      .find((r) => r.ok && r.value.subject.endsWith(`/${offset}`));
    expect(dl?.ok).toBe(true);
    if (!dl?.ok) return;
    const data = dl.value.data as {
      originalTopic: string;
      partition: number;
      consumerGroup: string;
      valueBase64: string;
      reason: { code: string };
    };
    expect(data.originalTopic).toBe(Topics.meterReadings);
    expect(data.partition).toBe(2);
    expect(data.consumerGroup).toBe('gridwerk-test-group');
    expect(Buffer.from(data.valueBase64, 'base64').equals(original)).toBe(true);
    expect(data.reason.code).toBe('JSON.PARSE');
  });

  it('cuts a dead letter down when the broker refuses it as too large, instead of blocking', async () => {
    // the publisher believes the DLQ takes 8 MiB; the topic (TOPIC_SPECS, applied by tools/infra) takes 4 MiB
    const moduleRef = await Test.createTestingModule({ imports: [KafkaModule.forRoot(settings)] }).compile();
    await moduleRef.init();
    const publisher = new DeadLetterPublisher(moduleRef.get(KafkaProducer), settings, 8 * 1024 * 1024);
    const original = Buffer.alloc(4_500_000, 0x61);
    const offset = String(Date.now());
    const from = await endOffsets(kafka, Topics.deadLetters);
    const r = await publisher.publishAll('gridwerk-test-group', [
      {
        msg: { topic: Topics.meterReadings, partition: 0, offset, key: 'k', value: original },
        reason: { code: 'MESSAGE.TOO_LARGE', message: 'too large' },
      },
    ]);
    await moduleRef.close();
    expect(r.truncated).toBe(1);
    const got = await readMessagesFrom(kafka, Topics.deadLetters, from, {
      until: (m) => m.some((x) => x.value?.toString().includes(`/${offset}/`)),
    });
    const dl = got
      .map((m) => parseEvent(m.value ?? Buffer.alloc(0), 'de.gridwerk.dead-letter.v1'))
      .find((x) => x.ok && x.value.subject.endsWith(`/${offset}`));
    if (!dl?.ok) throw new Error('dead letter not found');
    expect(dl.value.data.truncated).toMatchObject({
      originalValueBytes: original.length,
      originalValueSha256: createHash('sha256').update(original).digest('hex'),
    });
    expect(Buffer.byteLength(JSON.stringify(dl.value))).toBeLessThanOrEqual(16 * 1024);
  });
});
