import { KafkaMessage } from 'kafkajs';
import { parseEvent } from '@gridwerk/contracts';
import { createTopic, readMessages, testKafka, uniqueName } from '@gridwerk/shared/data-access-kafka';
import { builtInProfiles, createGridSimulation } from '@gridwerk/simulator/domain';
import { KafkaEventSink } from './kafka-sink';
import { ParallelKafkaEventSink } from './parallel-kafka-sink';
import { SimulationRunner } from './simulation-runner';

const kafka = testKafka('simulator-int-test');
const admin = kafka.admin();

async function topicsPair(): Promise<{ readings: string; telemetry: string }> {
  const t = { readings: uniqueName('test.sim.readings'), telemetry: uniqueName('test.sim.telemetry') };
  await createTopic(admin, t.readings, 3);
  await createTopic(admin, t.telemetry, 1);
  return t;
}

/** Values per partition (0..count-1), in offset order. */
function byPartition(msgs: KafkaMessage[], partitions: number[], count: number): string[][] {
  const out: string[][] = Array.from({ length: count }, () => []);
  msgs.forEach((m, i) => out[partitions[i] ?? 0]?.push(m.value?.toString() ?? ''));
  return out;
}

async function readAll(
  topic: string,
  expected: number,
): Promise<{ msgs: KafkaMessage[]; partitions: number[] }> {
  const msgs: KafkaMessage[] = [];
  const partitions: number[] = [];
  const consumer = kafka.consumer({ groupId: uniqueName('test.sim.reader') });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, 30_000);
    void consumer.run({
      eachMessage: async ({ message, partition }) => {
        msgs.push(message);
        partitions.push(partition);
        if (msgs.length >= expected) {
          clearTimeout(timer);
          resolve();
        }
      },
    });
  });
  await consumer.disconnect();
  return { msgs, partitions };
}

describe('SimulationRunner into the real broker', () => {
  beforeAll(() => admin.connect());
  afterAll(() => admin.disconnect());

  const options = {
    seed: 11,
    meters: 40,
    start: '2026-03-28T00:00:00Z',
    days: 2,
    resolutionMinutes: 15 as const,
    profiles: builtInProfiles(),
  };

  it('produces byte-identical events for the same seed and options (per partition, in order)', async () => {
    const runs: { topics: { readings: string; telemetry: string }; produced: number }[] = [];
    for (const sinkKind of ['single', 'parallel'] as const) {
      const topics = await topicsPair();
      const sink =
        sinkKind === 'single'
          ? new KafkaEventSink(kafka)
          : new ParallelKafkaEventSink(
              kafka,
              { clientId: 't', brokers: (process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092').split(',') },
              { workers: 2, chunkSize: 500, inFlightPerWorker: 2 },
            );
      await sink.connect([topics.readings, topics.telemetry]);
      const result = await new SimulationRunner(createGridSimulation(options), sink).run({
        mode: 'backfill',
        rate: 0,
        topics,
      });
      await sink.close();
      runs.push({ topics, produced: result.readingsGenerated });
    }
    const [a, b] = runs;
    if (!a || !b) throw new Error('two runs expected');
    // 2 local days across the spring DST switch (29 March 2026): 96 + 92 quarter hours
    // 40 meters and the storage meter of the one fleet battery
    expect(a.produced).toBe(41 * (96 + 92));
    const ra = await readAll(a.topics.readings, a.produced);
    const rb = await readAll(b.topics.readings, b.produced);
    expect(ra.msgs.length).toBe(a.produced);
    expect(rb.msgs.length).toBe(b.produced);
    const pa = byPartition(ra.msgs, ra.partitions, 3);
    const pb = byPartition(rb.msgs, rb.partitions, 3);
    // the same multiset of bytes, and the same order within each key's partition
    // (compared as booleans: a diff of thousands of events would drown the report)
    const sortedA = ra.msgs.map((m) => m.value?.toString() ?? '').sort();
    const sortedB = rb.msgs.map((m) => m.value?.toString() ?? '').sort();
    expect(sortedA.every((v, i) => v === sortedB[i])).toBe(true);
    for (let p = 0; p < 3; p++) {
      expect(pa[p]?.length).toBe(pb[p]?.length);
      expect(pa[p]?.every((v, i) => v === pb[p]?.[i])).toBe(true);
    }
    // every message is a valid contract event keyed by its meter
    const first = ra.msgs[0];
    const parsed = parseEvent(first?.value ?? Buffer.alloc(0), 'de.gridwerk.meter.reading.v1');
    expect(parsed.ok).toBe(true);
    if (parsed.ok) expect(first?.key?.toString()).toBe(parsed.value.data.meterPointId);
  });

  it('injects faults at the set rates and counts them so that a consumer can reconcile', async () => {
    const topics = await topicsPair();
    const sink = new KafkaEventSink(kafka);
    await sink.connect([topics.readings, topics.telemetry]);
    const result = await new SimulationRunner(createGridSimulation({ ...options, days: 1 }), sink).run({
      mode: 'backfill',
      rate: 0,
      topics,
      faults: { late: 0.01, duplicate: 0.02, outOfOrder: 0.01, malformed: 0.02 },
      faultSeed: 'int-test',
    });
    await sink.close();
    const f = result.faults;
    if (!f) throw new Error('fault counters expected');
    expect(f.produced).toBe(41 * 96);
    expect(f.duplicated).toBeGreaterThan(0);
    expect(f.malformed).toBeGreaterThan(0);
    expect(f.late).toBeGreaterThan(0);
    // after the final flush nothing is held back: emitted = produced + duplicates
    expect(f.emitted).toBe(f.produced + f.duplicated);
    const got = await readMessages(kafka, topics.readings, (m) => m.length >= f.emitted);
    expect(got.length).toBe(f.emitted);
    const invalid = got.filter(
      (m) => !parseEvent(m.value ?? Buffer.alloc(0), 'de.gridwerk.meter.reading.v1').ok,
    ).length;
    expect(invalid).toBe(f.malformed);
    const distinctValid = new Set(
      got
        .map((m) => parseEvent(m.value ?? Buffer.alloc(0), 'de.gridwerk.meter.reading.v1'))
        .flatMap((r) => (r.ok ? [r.value.id] : [])),
    );
    expect(distinctValid.size).toBe(f.produced - f.malformed);
  });
});
