import { Client } from 'pg';
import { Producer } from 'kafkajs';
import { exampleEvent, parseEvent, Topics } from '@gridwerk/contracts';
import { createTestDatabase, TestDatabase } from '@gridwerk/shared/data-access-database';
import {
  createTopic,
  readMessages,
  testBrokers,
  testKafka,
  uniqueName,
} from '@gridwerk/shared/data-access-kafka';
import { builtInProfiles, createGridSimulation, FaultInjector, StreamItem } from '@gridwerk/simulator/domain';
import { encodeReading, encodeTelemetry } from '@gridwerk/simulator/feature';
import { IngestProcess } from './service-process';

/**
 * The ingest service end to end: a real OS process consuming from the real broker into a real
 * PostgreSQL database, each test with its own topics, consumer group and database.
 */
jest.setTimeout(180_000);

const kafka = testKafka('ingest-int-test');
const admin = kafka.admin();
let producer: Producer;
let port = 3900 + Math.floor(Math.random() * 50);

interface Fixture {
  db: TestDatabase;
  pg: Client;
  topics: { readings: string; telemetry: string };
  ingest: IngestProcess;
}

async function fixture(label: string): Promise<Fixture> {
  const db = await createTestDatabase(`ingest_app_${label}`);
  const topics = {
    readings: uniqueName(`test.ingest.${label}.readings`),
    telemetry: uniqueName(`test.ingest.${label}.telemetry`),
  };
  await createTopic(admin, topics.readings, 3);
  await createTopic(admin, topics.telemetry, 1);
  const ingest = new IngestProcess(port++, {
    DATABASE_URL: db.url,
    KAFKA_BROKERS: testBrokers().join(','),
    INGEST_CONSUMER_GROUP: uniqueName(`test.ingest.${label}`),
    INGEST_READINGS_TOPIC: topics.readings,
    INGEST_TELEMETRY_TOPIC: topics.telemetry,
    INGEST_MAX_BATCH_ROWS: '2000',
    INGEST_ROLLUP_REFRESH_MS: '500',
    LOG_LEVEL: 'warn',
    INGEST_SESSION_TIMEOUT_MS: '8000',
  });
  const pg = new Client({ connectionString: db.url });
  return { db, pg, topics, ingest };
}

async function teardown(f: Fixture): Promise<void> {
  await f.ingest.stop();
  await f.pg.end().catch(() => undefined);
  await f.db.drop();
}

function simulated(
  meters: number,
  days: number,
  seed = 3,
): { readings: StreamItem[]; telemetry: StreamItem[] } {
  const sim = createGridSimulation({
    seed,
    meters,
    start: '2026-02-02T00:00:00Z',
    days,
    resolutionMinutes: 15,
    profiles: builtInProfiles(),
  });
  const readings: StreamItem[] = [];
  const telemetry: StreamItem[] = [];
  for (let s = sim.nextStep(); s; s = sim.nextStep()) {
    for (const r of s.readings) readings.push(encodeReading(r));
    for (const b of s.batteries) telemetry.push(encodeTelemetry(b));
  }
  return { readings, telemetry };
}

async function produce(topic: string, items: StreamItem[], pauseMs = 0): Promise<void> {
  for (let i = 0; i < items.length; i += 5000) {
    await producer.send({
      topic,
      messages: items.slice(i, i + 5000).map((m) => ({ key: m.key, value: m.value })),
    });
    if (pauseMs > 0) await new Promise((r) => setTimeout(r, pauseMs));
  }
}

async function count(pg: Client, sql: string): Promise<number> {
  const r = await pg.query<Record<string, string>>(sql);
  const row = r.rows[0] ?? {};
  last = Object.values(row)[0];
  return Number(last ?? 0);
}

let last: unknown;
async function waitFor(
  what: string,
  fn: () => Promise<boolean>,
  timeoutMs = 90_000,
  logs?: () => string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await fn()) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(
    `timed out waiting for ${what} (last: ${String(last)})${logs ? `\n${logs().slice(-3000)}` : ''}`,
  );
}

async function deadLettersFor(topic: string, expected: number) {
  // counted as they arrive: the shared dead-letter topic of a long-lived broker holds many other letters
  let seen = 0;
  let matched = 0;
  const msgs = await readMessages(
    kafka,
    Topics.deadLetters,
    (m) => {
      for (; seen < m.length; seen++) if (m[seen]?.value?.toString().includes(topic)) matched += 1;
      return matched >= expected;
    },
    30_000,
  );
  return msgs
    .map((m) => parseEvent(m.value ?? Buffer.alloc(0), 'de.gridwerk.dead-letter.v1'))
    .flatMap((r) => (r.ok && r.value.data.originalTopic === topic ? [r.value.data] : []));
}

beforeAll(async () => {
  await admin.connect();
  producer = kafka.producer();
  await producer.connect();
});
afterAll(async () => {
  await producer.disconnect();
  await admin.disconnect();
});

describe('ingest service (real broker, real PostgreSQL)', () => {
  it('stores every clean reading and telemetry sample exactly once, and reports health and metrics', async () => {
    const f = await fixture('clean');
    try {
      const data = simulated(20, 1);
      await produce(f.topics.readings, data.readings);
      await produce(f.topics.telemetry, data.telemetry);
      await f.ingest.start();
      await f.pg.connect();
      await waitFor(
        'all rows',
        async () => (await count(f.pg, 'SELECT count(*) FROM meter_reading')) === data.readings.length,
        60_000,
        () => f.ingest.logs(),
      );
      await waitFor(
        'telemetry',
        async () => (await count(f.pg, 'SELECT count(*) FROM battery_telemetry')) === data.telemetry.length,
      );
      const produced = data.readings.reduce(
        (a, r) => a + (JSON.parse(r.value) as { data: { importWh: number } }).data.importWh,
        0,
      );
      expect(await count(f.pg, 'SELECT sum(import_wh) FROM meter_reading')).toBe(produced);
      const health = await f.ingest.health();
      expect(health.status).toBe(200);
      expect(JSON.parse(health.body)).toMatchObject({
        status: 'ok',
        info: { kafka: { status: 'up' }, database: { status: 'up' }, 'ingest-consumer': { status: 'up' } },
      });
      const metrics = await f.ingest.metrics();
      expect(metrics).toMatch(
        new RegExp(
          `gridwerk_ingest_rows_total\\{table="meter_reading",result="inserted",service="ingest"\\} ${data.readings.length}`,
        ),
      );
      expect(metrics).toMatch(/gridwerk_ingest_consumer_lag\{/);
    } finally {
      await teardown(f);
    }
  });

  it('stores duplicates and replays once and dead-letters malformed events with a reason: stored + dead-lettered = produced distinct', async () => {
    const f = await fixture('faults');
    try {
      const data = simulated(30, 1, 5);
      const injector = new FaultInjector({
        seed: 'ingest-test',
        rates: { duplicate: 0.03, late: 0.01, outOfOrder: 0.01, malformed: 0.02 },
      });
      const faulted = [...injector.process(data.readings), ...injector.flush()];
      const c = injector.counters();
      // a replay of the first 500 events on top
      const stream = [...faulted, ...faulted.slice(0, 500)];
      await produce(f.topics.readings, stream);
      const unknownType = exampleEvent('de.gridwerk.alert.v1');
      await produce(f.topics.readings, [{ key: 'x', value: JSON.stringify(unknownType) }]);
      await f.ingest.start();
      await f.pg.connect();
      const expectedStored = c.produced - c.malformed;
      await waitFor(
        'distinct valid rows',
        async () => (await count(f.pg, 'SELECT count(*) FROM meter_reading')) === expectedStored,
        60_000,
        () => f.ingest.logs(),
      );
      const malformedInReplay = faulted.slice(0, 500).filter((m) => m.fault === 'malformed').length;
      const expectedDead = c.malformed + malformedInReplay + 1;
      const dead = await deadLettersFor(f.topics.readings, expectedDead);
      // dead letters carry deterministic ids; a replayed bad message is a new offset, so a new letter
      expect(dead.length).toBe(expectedDead);
      const codes = new Set(dead.map((d) => d.reason.code));
      expect(codes).toEqual(new Set(['CONTRACT.INVALID', 'JSON.PARSE', 'EVENT.TYPE_MISMATCH']));
      expect(
        dead.every((d) => d.consumerGroup.startsWith('test.ingest.faults') && /^\d+$/.test(d.offset)),
      ).toBe(true);
      const bad = dead.find((d) => d.reason.code === 'CONTRACT.INVALID');
      expect(bad?.reason.problems?.length).toBeGreaterThan(0);
      // nothing stored twice, nothing invalid stored
      expect(await count(f.pg, 'SELECT count(*) FROM meter_reading')).toBe(expectedStored);
      expect(await count(f.pg, 'SELECT count(*) FROM meter_reading WHERE import_wh < 0')).toBe(0);
    } finally {
      await teardown(f);
    }
  });

  it('loses and doubles nothing when killed with SIGKILL mid-stream and restarted', async () => {
    const f = await fixture('kill');
    try {
      // 4 days of 300 meters (115,200 readings): the first half streams in while the service runs and is
      // killed as soon as the first rows are stored (mid-stream: batches in flight, offsets uncommitted);
      // the second half is produced while it is down.
      const data = simulated(300, 4, 9);
      const half = Math.floor(data.readings.length / 2);
      await f.ingest.start();
      await f.pg.connect();
      // paced (12 chunks, 150 ms apart) so that the kill lands while the first half is still streaming in
      const firstHalf = produce(f.topics.readings, data.readings.slice(0, half), 150);
      await waitFor(
        'some rows',
        async () => (await count(f.pg, 'SELECT count(*) FROM meter_reading')) > 2_000,
      );
      await f.ingest.kill9();
      await firstHalf;
      const atKill = await count(f.pg, 'SELECT count(*) FROM meter_reading');
      expect(atKill).toBeLessThan(half);
      await produce(f.topics.readings, data.readings.slice(half));
      await f.ingest.start();
      await waitFor(
        'all rows after restart',
        async () => (await count(f.pg, 'SELECT count(*) FROM meter_reading')) === data.readings.length,
        90_000,
        () => f.ingest.logs(),
      );
      const produced = data.readings.reduce(
        (a, r) => a + (JSON.parse(r.value) as { data: { importWh: number } }).data.importWh,
        0,
      );
      expect(await count(f.pg, 'SELECT sum(import_wh) FROM meter_reading')).toBe(produced);
      expect(await count(f.pg, 'SELECT count(DISTINCT event_id) FROM meter_reading')).toBe(
        data.readings.length,
      );
    } finally {
      await teardown(f);
    }
  });

  it('pauses while PostgreSQL is unreachable, reports unhealthy, and resumes without loss', async () => {
    const f = await fixture('dbcut');
    const admin = new Client({ connectionString: f.db.url.replace(/\/[^/]+$/, '/postgres') });
    await admin.connect();
    try {
      const data = simulated(200, 1, 13);
      const half = Math.floor(data.readings.length / 2);
      await f.ingest.start();
      await f.pg.connect();
      await produce(f.topics.readings, data.readings.slice(0, half));
      await waitFor(
        'first half',
        async () => (await count(f.pg, 'SELECT count(*) FROM meter_reading')) === half,
      );
      await f.pg.end();
      // cut: no new connections to this database, and every existing one terminated
      await admin.query(`ALTER DATABASE "${f.db.name}" ALLOW_CONNECTIONS false`);
      await admin.query(
        'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
        [f.db.name],
      );
      await produce(f.topics.readings, data.readings.slice(half));
      await waitFor('unhealthy', async () => (await f.ingest.health()).status === 503, 30_000);
      await new Promise((r) => setTimeout(r, 3_000));
      await admin.query(`ALTER DATABASE "${f.db.name}" ALLOW_CONNECTIONS true`);
      f.pg = new Client({ connectionString: f.db.url });
      await f.pg.connect();
      await waitFor(
        'all rows after the outage',
        async () => (await count(f.pg, 'SELECT count(*) FROM meter_reading')) === data.readings.length,
        90_000,
        () => f.ingest.logs(),
      );
      await waitFor('healthy again', async () => (await f.ingest.health()).status === 200, 30_000);
      expect(await count(f.pg, 'SELECT count(DISTINCT event_id) FROM meter_reading')).toBe(
        data.readings.length,
      );
    } finally {
      await admin.query(`ALTER DATABASE "${f.db.name}" ALLOW_CONNECTIONS true`).catch(() => undefined);
      await admin.end();
      await teardown(f);
    }
  });
});
