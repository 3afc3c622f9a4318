import { createHash } from 'node:crypto';
import { Client, Pool } from 'pg';
import { Admin, IHeaders, Kafka, logLevel, Producer } from 'kafkajs';
import { createTestDatabase, TestDatabase } from '@gridwerk/shared/data-access-database';
import { TopologyRepository } from '@gridwerk/shared/data-access-topology';
import { meterId, smallTopology } from '@gridwerk/ingest/data-access';
import { type CliResult, runAppCli } from './app-cli';
import { IngestProcess } from './service-process';

/**
 * Issue 11, "done when": the ingest service as a third-party producer meets it. A generic kafkajs
 * producer (no Gridwerk code builds or sends the events) writes one message of every hostile class,
 * interleaved with valid readings on several partitions, into a real broker; the real service stores into
 * a real PostgreSQL. The dead letters are read back from grid.dlq.v1 with a plain consumer.
 */
jest.setTimeout(240_000);

const brokers = (process.env['KAFKA_BROKERS'] || '127.0.0.1:9092').split(',');
const kafka = new Kafka({ clientId: 'third-party-producer', brokers, logLevel: logLevel.NOTHING });
const admin: Admin = kafka.admin();
let producer: Producer;
let port = 3960 + Math.floor(Math.random() * 30);
const DLQ = 'grid.dlq.v1';
const RETRY_MAX_MS = 3_000;
const QH = 900_000;
const unique = (p: string) => `${p}.${Date.now()}.${Math.random().toString(16).slice(2, 8)}`;

/** `npm run ingest -- ...` as an operator runs it (the same command line, without npm's banner). */
function ingestCli(args: string[]): Promise<CliResult> {
  return runAppCli('ingest', args, { KAFKA_BROKERS: brokers.join(',') });
}

interface Produced {
  topic: string;
  partition: number;
  key: string | null;
  value: Buffer | string | null;
  headers?: IHeaders;
  /** What ingest must make of it. */
  expect: 'stored' | 'duplicate' | 'correction' | { dead: string };
}

const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');

/** A meter reading CloudEvent, written by hand as any producer would. */
function reading(
  meter: string,
  startMs: number,
  o: {
    id?: string;
    importWh?: number;
    quality?: string;
    subject?: string;
    start?: string;
    register?: number;
  } = {},
): Record<string, unknown> {
  return {
    specversion: '1.0',
    id: o.id ?? `third-party-${meter}-${startMs}`,
    source: '/third-party/head-end',
    type: 'de.gridwerk.meter.reading.v1',
    time: iso(startMs + QH),
    subject: o.subject ?? meter,
    dataschema: 'https://schemas.gridwerk.de/events/meter-reading.v1.schema.json',
    datacontenttype: 'application/json',
    data: {
      meterPointId: meter,
      intervalStart: o.start ?? iso(startMs),
      intervalEnd: iso(startMs + QH),
      resolution: 'PT15M',
      importWh: o.importWh ?? 100 + ((startMs / QH) % 50),
      exportWh: 0,
      registerImportWh: o.register ?? 5_000_000,
      registerExportWh: 10_000,
      quality: o.quality ?? 'measured',
    },
  };
}

function telemetry(asset: string, timeMs: number, powerW: number, id?: string): Record<string, unknown> {
  return {
    specversion: '1.0',
    id: id ?? `third-party-${asset}-${timeMs}`,
    source: '/third-party/bms',
    type: 'de.gridwerk.battery.telemetry.v1',
    time: iso(timeMs),
    subject: asset,
    dataschema: 'https://schemas.gridwerk.de/events/battery-telemetry.v1.schema.json',
    datacontenttype: 'application/json',
    data: {
      assetId: asset,
      time: iso(timeMs),
      stateOfChargePct: 55.5,
      powerW,
      usableCapacityWh: 160_000,
      stateOfHealthPct: 81,
      temperatureC: 24,
      mode: 'auto',
    },
  };
}

const json = (o: unknown) => JSON.stringify(o);

interface DeadLetterData {
  originalTopic: string;
  partition: number;
  offset: string;
  valueBase64: string;
  headerList?: { key: string; valueBase64: string }[];
  truncated?: { originalValueBytes: number; originalValueSha256: string; keptValueBytes: number };
  reason: { code: string; message: string };
}

/** Every dead letter of `topics` on grid.dlq.v1, read with a plain consumer until `until` holds. */
async function deadLetters(
  topics: string[],
  until: (d: DeadLetterData[]) => boolean,
  timeoutMs = 60_000,
): Promise<DeadLetterData[]> {
  const consumer = kafka.consumer({ groupId: unique('hostile-dlq-reader') });
  const out: DeadLetterData[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic: DLQ, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(resolve, timeoutMs);
      consumer
        .run({
          eachMessage: async ({ message }) => {
            const text = message.value?.toString() ?? '';
            if (!topics.some((t) => text.includes(t))) return;
            const data = (JSON.parse(text) as { data: DeadLetterData }).data;
            if (!topics.includes(data.originalTopic)) return;
            out.push(data);
            if (until(out)) {
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
  return out;
}

async function scalar(pg: Client, sql: string, params: unknown[] = []): Promise<number> {
  const r = await pg.query<Record<string, string>>(sql, params);
  return Number(Object.values(r.rows[0] ?? {})[0] ?? 0);
}

async function waitFor(what: string, fn: () => Promise<boolean>, timeoutMs: number, logs: () => string) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await fn()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}\n${logs().slice(-4000)}`);
}

/** Sum of a Prometheus counter's samples whose labels include `labels`. */
function metric(text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (!Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) continue;
    sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

/**
 * The table that stores meter readings of day `d1`, created ahead if need be: natively its daily partition
 * (ensure_partitions, days d1..d2), on TimescaleDB its chunk (chunks come with rows: one row of an
 * unrelated meter is inserted and deleted again, the chunk stays).
 */
async function storageOfDay(pg: Client, d1: number, d2: number): Promise<string> {
  const mode = await pg.query<{ value: string }>(
    `SELECT value FROM ingest_schema_info WHERE key = 'storage_mode'`,
  );
  if (mode.rows[0]?.value !== 'timescaledb') {
    await pg.query('SELECT ensure_partitions($1, $2)', [new Date(d1), new Date(d2)]);
    return `meter_reading_p${new Date(d1).toISOString().slice(0, 10).replace(/-/g, '')}`;
  }
  const at = new Date(d1);
  await pg.query(
    `INSERT INTO meter_reading (meter_point_id, interval_start, interval_end, resolution, import_wh, export_wh,
                                register_import_wh, register_export_wh, quality, event_id)
     VALUES ($1, $2, $2::timestamptz + INTERVAL '15 minutes', 'PT15M', 0, 0, 0, 0, 'measured', 'chunk-maker')`,
    [meterId(899), at],
  );
  await pg.query('DELETE FROM meter_reading WHERE meter_point_id = $1', [meterId(899)]);
  const chunk = await pg.query<{ c: string }>(
    `SELECT format('%I.%I', chunk_schema, chunk_name) AS c FROM timescaledb_information.chunks
      WHERE hypertable_name = 'meter_reading' AND range_start <= $1 AND range_end > $1`,
    [at],
  );
  return chunk.rows[0]?.c ?? 'no_chunk_for_the_day';
}

interface Fixture {
  db: TestDatabase;
  pg: Client;
  readings: string;
  telemetry: string;
  group: string;
  ingest: IngestProcess;
}

async function fixture(label: string): Promise<Fixture> {
  const db = await createTestDatabase(`ingest_hostile_${label}`);
  const readings = unique(`test.hostile.${label}.readings`);
  const telemetryTopic = unique(`test.hostile.${label}.telemetry`);
  // the input topics take a 5 MiB record, so that a dead letter larger than the DLQ's 4 MiB can arise
  const config = [{ name: 'max.message.bytes', value: String(5 * 1024 * 1024) }];
  await admin.createTopics({
    waitForLeaders: true,
    topics: [
      { topic: readings, numPartitions: 3, replicationFactor: 1, configEntries: config },
      { topic: telemetryTopic, numPartitions: 2, replicationFactor: 1, configEntries: config },
    ],
  });
  const group = unique(`test.hostile.${label}`);
  const ingest = new IngestProcess(port++, {
    DATABASE_URL: db.url,
    KAFKA_BROKERS: brokers.join(','),
    INGEST_CONSUMER_GROUP: group,
    INGEST_READINGS_TOPIC: readings,
    INGEST_TELEMETRY_TOPIC: telemetryTopic,
    INGEST_ROLLUP_REFRESH_MS: '300',
    INGEST_ROLLUP_SETTLE_MS: '0',
    INGEST_RETRY_MAX_MS: String(RETRY_MAX_MS),
    INGEST_LAG_REFRESH_MS: '1000',
    INGEST_SESSION_TIMEOUT_MS: '8000',
    LOG_LEVEL: 'info',
  });
  const pg = new Client({ connectionString: db.url });
  return { db, pg, readings, telemetry: telemetryTopic, group, ingest };
}

async function teardown(f: Fixture): Promise<void> {
  await f.ingest.stop();
  await f.pg.end().catch(() => undefined);
  await f.db.drop();
}

beforeAll(async () => {
  await admin.connect();
  producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  // the DLQ must hold the dead letters of 5 MiB inputs truncated, not refuse them: the spec's 4 MiB
  const [dlq] = (
    await admin.describeConfigs({
      includeSynonyms: false,
      resources: [{ type: 2 /* TOPIC */, name: DLQ, configNames: ['max.message.bytes'] }],
    })
  ).resources;
  expect(dlq?.configEntries.find((e) => e.configName === 'max.message.bytes')?.configValue).toBe(
    String(4 * 1024 * 1024),
  );
});
afterAll(async () => {
  await producer.disconnect();
  await admin.disconnect();
});

describe('ingest under hostile input (generic producer, real broker, real PostgreSQL)', () => {
  it('stores every valid reading, dead-letters every hostile message with its reason, stalls no partition', async () => {
    const f = await fixture('mix');
    try {
      await f.ingest.start();
      await f.pg.connect();
      // one day ago, on the quarter hour: inside every time window
      const t0 = Math.floor((Date.now() - 86_400_000) / QH) * QH;
      const meters = Array.from({ length: 9 }, (_, i) => meterId(700 + i));
      const partitionOf = (meter: string) => meters.indexOf(meter) % 3;
      const items: Produced[] = [];
      const valid = (m: string, k: number) =>
        items.push({
          topic: f.readings,
          partition: partitionOf(m),
          key: m,
          value: json(reading(m, t0 + k * QH)),
          expect: 'stored',
        });
      // valid readings, 8 quarter hours of 9 meters, with the hostile ones in between
      const hostile: Produced[] = [];
      const R = f.readings;
      const m0 = meters[0] ?? '';
      const m1 = meters[1] ?? '';
      const m2 = meters[2] ?? '';
      const huge = Buffer.alloc(3_600_000, 0x7b); // 3.6 MB of '{': base64 alone exceeds the DLQ's 4 MiB
      hostile.push(
        {
          topic: R,
          partition: 0,
          key: m0,
          value: '{"specversion": "1.0", "id": ',
          expect: { dead: 'JSON.PARSE' },
        },
        {
          topic: R,
          partition: 1,
          key: m1,
          value: json(reading(m1, t0 + 20 * QH, { importWh: -5 })),
          expect: { dead: 'CONTRACT.INVALID' },
        },
        {
          topic: R,
          partition: 2,
          key: m2,
          value: json({ ...telemetry('BAT-X1', t0, 1), subject: m2 }),
          expect: { dead: 'EVENT.TYPE_MISMATCH' },
        },
        { topic: R, partition: 0, key: m0, value: null, expect: { dead: 'MESSAGE.TOMBSTONE' } },
        { topic: R, partition: 1, key: m1, value: Buffer.alloc(0), expect: { dead: 'MESSAGE.EMPTY' } },
        { topic: R, partition: 2, key: m2, value: huge, expect: { dead: 'MESSAGE.TOO_LARGE' } },
        {
          topic: R,
          partition: 0,
          key: m0,
          value: json(reading(m0, t0 + 21 * QH, { start: iso(t0 + 21 * QH).replace('Z', '.0009Z') })),
          expect: { dead: 'CONTRACT.INSTANT_PRECISION' },
        },
        {
          topic: R,
          partition: 1,
          key: m1,
          // 2^53 + 1 as JSON text: a JavaScript number cannot even hold it
          value: json(reading(m1, t0 + 22 * QH)).replace(
            '"registerImportWh":5000000',
            '"registerImportWh":9007199254740993',
          ),
          expect: { dead: 'CONTRACT.VALUE_OUT_OF_RANGE' },
        },
        {
          topic: R,
          partition: 2,
          key: 'not-the-meter',
          value: json(reading(m2, t0 + 23 * QH)),
          headers: { trace: [Buffer.from('first'), Buffer.from('second')] },
          expect: { dead: 'MESSAGE.KEY_MISMATCH' },
        },
        {
          topic: R,
          partition: 0,
          key: m0,
          value: json(reading(m0, t0 + 24 * QH, { subject: meters[5] })),
          expect: { dead: 'CONTRACT.SUBJECT_MISMATCH' },
        },
        {
          topic: R,
          partition: 1,
          key: m1,
          value: json(reading(m1, Date.UTC(2099, 0, 1))),
          expect: { dead: 'TIME.IN_FUTURE' },
        },
        {
          topic: R,
          partition: 2,
          key: m2,
          value: json(reading(m2, Date.UTC(1970, 0, 2))),
          expect: { dead: 'TIME.BEYOND_RETENTION' },
        },
        {
          topic: R,
          partition: 0,
          key: m0,
          // valid JSON (\u0000 is an escape), valid contract; PostgreSQL stores no NUL in text
          value: json(reading(m0, t0 + 25 * QH, { id: 'nul-\u0000-in-the-id' })),
          expect: { dead: 'DB.22021' },
        },
        {
          topic: f.telemetry,
          partition: 0,
          key: 'BAT-0001',
          // 3 GW: a valid integer in the contract, beyond PostgreSQL's integer column
          value: json(telemetry('BAT-0001', t0 + 60_000, 3_000_000_000)),
          expect: { dead: 'DB.22003' },
        },
      );
      // duplicates and a correction of valid readings
      const replayOf = json(reading(m1, t0 + 2 * QH));
      const correction = json(
        reading(m2, t0 + 3 * QH, { id: 'correction-1', quality: 'measured', importWh: 999 }),
      );
      for (let k = 0; k < 8; k++) {
        for (const m of meters) {
          if (m === m2 && k === 3) {
            // the first version of this interval is an estimate; the correction follows
            items.push({
              topic: R,
              partition: partitionOf(m),
              key: m,
              value: json(reading(m, t0 + k * QH, { quality: 'estimated', importWh: 50 })),
              expect: 'stored',
            });
          } else valid(m, k);
        }
        const h = hostile[k * 2];
        const h2 = hostile[k * 2 + 1];
        if (h) items.push(h);
        if (h2) items.push(h2);
        if (k === 4) {
          items.push({ topic: R, partition: partitionOf(m1), key: m1, value: replayOf, expect: 'duplicate' });
          items.push({
            topic: R,
            partition: partitionOf(m2),
            key: m2,
            value: correction,
            expect: 'correction',
          });
        }
      }
      for (let i = 0; i < 6; i++)
        items.push({
          topic: f.telemetry,
          partition: i % 2,
          key: i % 2 === 0 ? 'BAT-0001' : 'BAT-0002',
          value: json(telemetry(i % 2 === 0 ? 'BAT-0001' : 'BAT-0002', t0 + i * 120_000, 5_000 - i)),
          expect: 'stored',
        });
      expect(items.filter((i) => typeof i.expect === 'object')).toHaveLength(14);
      expect(new Set(items.filter((i) => i.topic === R).map((i) => i.partition))).toEqual(new Set([0, 1, 2]));

      // produce in a burst (one request per message, in order), then watch every partition drain
      for (const i of items)
        await producer.send({
          topic: i.topic,
          acks: -1,
          messages: [
            {
              partition: i.partition,
              key: i.key,
              value: i.value,
              ...(i.headers ? { headers: i.headers } : {}),
            },
          ],
        });
      const ends = new Map<string, number>();
      for (const t of [f.readings, f.telemetry])
        for (const o of await admin.fetchTopicOffsets(t)) ends.set(`${t}/${o.partition}`, Number(o.high));
      const watchFrom = Date.now();
      const lastProgress = new Map<string, { offset: number; at: number }>();
      let maxGapMs = 0;
      await waitFor(
        'every partition committed to its end',
        async () => {
          const now = Date.now();
          let done = true;
          for (const o of await admin.fetchOffsets({ groupId: f.group, topics: [f.readings, f.telemetry] }))
            for (const p of o.partitions) {
              const k = `${o.topic}/${p.partition}`;
              const committed = Number(p.offset);
              const prev = lastProgress.get(k) ?? { offset: -2, at: watchFrom };
              if (committed !== prev.offset) lastProgress.set(k, { offset: committed, at: now });
              const end = ends.get(k) ?? 0;
              if (committed < end) {
                done = false;
                maxGapMs = Math.max(maxGapMs, now - (lastProgress.get(k)?.at ?? watchFrom));
              }
            }
          return done;
        },
        90_000,
        () => f.ingest.logs(),
      );
      // no partition waited longer than the back-off bound between two steps of progress
      expect(maxGapMs).toBeLessThan(RETRY_MAX_MS);

      const expectedDead = items.filter((i) => typeof i.expect === 'object');
      const dead = await deadLetters([f.readings, f.telemetry], (d) => d.length >= expectedDead.length);
      const key = (t: string, p: number, o: string) => `${t}/${p}/${o}`;
      // the offsets each hostile message got
      const offsetsOf = new Map<Produced, string>();
      const cursor = new Map<string, number>();
      for (const i of items) {
        const k = `${i.topic}/${i.partition}`;
        const next = cursor.get(k) ?? 0;
        offsetsOf.set(i, String(next));
        cursor.set(k, next + 1);
      }
      expect(
        dead.map((d) => `${key(d.originalTopic, d.partition, d.offset)} ${d.reason.code}`).sort(),
      ).toEqual(
        expectedDead
          .map(
            (i) =>
              `${key(i.topic, i.partition, offsetsOf.get(i) ?? '')} ${(i.expect as { dead: string }).dead}`,
          )
          .sort(),
      );
      // the oversized one: truncated to fit, with the original size and hash
      const big = dead.find((d) => d.reason.code === 'MESSAGE.TOO_LARGE');
      expect(big?.truncated).toMatchObject({
        originalValueBytes: huge.length,
        originalValueSha256: createHash('sha256').update(huge).digest('hex'),
      });
      expect(Buffer.from(big?.valueBase64 ?? '', 'base64').length).toBe(big?.truncated?.keptValueBytes);
      // the tombstone and the empty value are told apart; repeated headers keep every value
      expect(dead.find((d) => d.reason.code === 'MESSAGE.TOMBSTONE')?.valueBase64).toBe('');
      expect(
        dead
          .find((d) => d.reason.code === 'MESSAGE.KEY_MISMATCH')
          ?.headerList?.map((h) => `${h.key}=${Buffer.from(h.valueBase64, 'base64').toString()}`),
      ).toEqual(['trace=first', 'trace=second']);

      // every valid reading stored, its value as produced; the correction is current, both versions kept
      const stored = items.filter((i) => i.expect === 'stored');
      const storedReadings = stored.filter((i) => i.topic === R).length;
      expect(await scalar(f.pg, 'SELECT count(*) FROM meter_reading')).toBe(storedReadings);
      expect(await scalar(f.pg, 'SELECT count(*) FROM battery_telemetry')).toBe(
        stored.length - storedReadings,
      );
      expect(
        await scalar(
          f.pg,
          'SELECT import_wh FROM meter_reading WHERE meter_point_id = $1 AND interval_start = $2',
          [m2, new Date(t0 + 3 * QH)],
        ),
      ).toBe(999);
      const corrections = await scalar(f.pg, 'SELECT count(*) FROM meter_reading_correction');
      expect(corrections).toBe(1);
      expect(
        await scalar(
          f.pg,
          `SELECT count(*) FROM meter_reading r JOIN meter_reading_version v USING (meter_point_id, interval_start, event_id)`,
        ),
      ).toBe(storedReadings);

      // produced = stored + corrections + duplicates + dead-lettered, exactly; the metrics say the same
      const metrics = await f.ingest.metrics();
      const inserted = metric(metrics, 'gridwerk_ingest_rows_total', { result: 'inserted' });
      const duplicates = metric(metrics, 'gridwerk_ingest_rows_total', { result: 'duplicate' });
      const corrected = metric(metrics, 'gridwerk_ingest_rows_total', { result: 'correction' });
      const deadLettered = metric(metrics, 'gridwerk_ingest_dead_letters_total');
      expect({ inserted, corrected, duplicates, deadLettered }).toEqual({
        inserted: stored.length,
        corrected: 1,
        duplicates: 1,
        deadLettered: expectedDead.length,
      });
      expect(inserted + corrected + duplicates + deadLettered).toBe(items.length);
      expect(metric(metrics, 'gridwerk_ingest_corrections_total', { result: 'applied' })).toBe(1);
      expect(metric(metrics, 'gridwerk_ingest_dead_letters_truncated_total')).toBe(1);
      for (const d of expectedDead)
        expect([
          d.expect,
          metric(metrics, 'gridwerk_ingest_dead_letters_total', {
            reason: (d.expect as { dead: string }).dead,
          }),
        ]).toEqual([d.expect, 1]);
      expect((await fetch(`http://127.0.0.1:${f.ingest.port}/health/live`)).status).toBe(200);
      // dead letters are logged (per reason, rate-limited), corrections too
      expect(f.ingest.logs()).toMatch(/"msg":"messages dead-lettered","reason":"[A-Z._0-9]+"/);
      expect(f.ingest.logs()).toMatch(/"msg":"corrections stored"/);
      await waitFor(
        'lag 0 on every partition',
        async () => metric(await f.ingest.metrics(), 'gridwerk_ingest_consumer_lag') === 0,
        15_000,
        () => f.ingest.logs(),
      );

      // the replay tool: a dry run counts, a replay moves the letter back (and ingest dead-letters it again)
      const dry = await ingestCli([
        'replay-dlq',
        '--reason',
        'DB.*',
        '--topic',
        f.telemetry,
        '--dry-run',
        '--json',
      ]);
      expect(dry.code).toBe(0);
      expect(JSON.parse(dry.stdout)).toMatchObject({
        matched: 1,
        replayed: 0,
        byTopic: { [f.telemetry]: 1 },
      });
      expect(dry.stderr).toMatch(/scanned \d+\/\d+ dead letters/);
      const real = await ingestCli([
        'replay-dlq',
        '--reason',
        'MESSAGE.EMPTY',
        '--topic',
        f.readings,
        '--json',
      ]);
      expect([real.code, JSON.parse(real.stdout)]).toMatchObject([0, { matched: 1, replayed: 1 }]);
      const again = await deadLetters(
        [f.readings],
        (d) => d.filter((x) => x.reason.code === 'MESSAGE.EMPTY').length >= 2,
      );
      const replayed = again.filter((x) => x.reason.code === 'MESSAGE.EMPTY');
      expect(replayed).toHaveLength(2);
      expect(replayed[1]?.headerList?.map((h) => h.key)).toEqual(['gridwerk-replayed-from']);
      expect((await ingestCli(['replay-dlq'])).code).toBe(2);
      expect((await ingestCli(['replay-dlq', '--reason', 'lower.case'])).code).toBe(2);
      expect((await ingestCli(['replay-dlq', '--help'])).code).toBe(0);
    } finally {
      await teardown(f);
    }
  });

  it('pauses only the partition whose writes fail transiently: the others flow, lag and liveness tell', async () => {
    const f = await fixture('lock');
    // this test's own process (liveness after 5 s, one thread)
    const ingest = new IngestProcess(f.ingest.port + 100, {
      DATABASE_URL: f.db.url,
      KAFKA_BROKERS: brokers.join(','),
      INGEST_CONSUMER_GROUP: f.group,
      INGEST_READINGS_TOPIC: f.readings,
      INGEST_TELEMETRY_TOPIC: f.telemetry,
      INGEST_RETRY_MAX_MS: String(RETRY_MAX_MS),
      INGEST_LAG_REFRESH_MS: '500',
      INGEST_LIVENESS_STALL_MS: '5000',
      INGEST_CONSUMER_THREADS: '1',
      LOG_LEVEL: 'info',
    });
    const locker = new Client({ connectionString: f.db.url });
    try {
      // lock_timeout turns "the day's partition (TimescaleDB: chunk) is locked" into a transient error (55P03) for ingest
      await f.pg.connect();
      await f.pg.query(`ALTER DATABASE "${f.db.name}" SET lock_timeout = '500ms'`);
      await ingest.start();
      await locker.connect();
      await locker.query('SET lock_timeout = 0');
      const day = (n: number) => Math.floor(Date.now() / 86_400_000 - n) * 86_400_000;
      const d1 = day(3);
      const d2 = day(2);
      const name = await storageOfDay(f.pg, d1, d2);
      await locker.query('BEGIN');
      await locker.query(`LOCK TABLE ${name} IN SHARE MODE`); // no inserts into day d1
      // partition 0 carries readings of day d1 only, partitions 1 and 2 of day d2
      const meters = [meterId(800), meterId(801), meterId(802)];
      const perPartition = 12;
      for (let p = 0; p < 3; p++) {
        const m = meters[p] ?? '';
        await producer.send({
          topic: f.readings,
          acks: -1,
          messages: Array.from({ length: perPartition }, (_, k) => ({
            partition: p,
            key: m,
            value: json(reading(m, (p === 0 ? d1 : d2) + k * QH)),
          })),
        });
      }
      const stored = (p: number) =>
        scalar(f.pg, 'SELECT count(*) FROM meter_reading WHERE meter_point_id = $1', [meters[p]]);
      await waitFor(
        'partitions 1 and 2 stored while partition 0 waits',
        async () => (await stored(1)) === perPartition && (await stored(2)) === perPartition,
        30_000,
        () => ingest.logs(),
      );
      expect(await stored(0)).toBe(0);
      const lag0 = (text: string) =>
        metric(text, 'gridwerk_ingest_consumer_lag', { topic: f.readings, partition: '0' });
      await waitFor(
        'the real lag of the paused partition',
        async () => lag0(await ingest.metrics()) === perPartition,
        15_000,
        () => ingest.logs(),
      );
      // readiness: retrying (the first attempt waits out the lock timeout before it fails)
      await waitFor(
        'readiness 503 while retrying',
        async () => (await ingest.health()).status === 503,
        15_000,
        () => ingest.logs(),
      );
      await waitFor(
        'liveness failing after 5 s without progress',
        async () => (await fetch(`http://127.0.0.1:${ingest.port}/health/live`)).status === 503,
        20_000,
        () => ingest.logs(),
      );
      const live = await (await fetch(`http://127.0.0.1:${ingest.port}/health/live`)).text();
      expect(live).toMatch(new RegExp(`${f.readings.replace(/\./g, '\\.')}/0: no progress`));
      // a gauge of the moment: 0 while an attempt runs (each waits out the lock timeout), 1 in the back-off
      await waitFor(
        'the paused partition counted',
        async () => metric(await ingest.metrics(), 'gridwerk_ingest_partitions_paused') === 1,
        10_000,
        () => ingest.logs(),
      );
      expect(ingest.logs()).toMatch(/pausing the partition and retrying/);
      const released = Date.now();
      await locker.query('ROLLBACK');
      await waitFor(
        'partition 0 stored after the lock',
        async () => (await stored(0)) === perPartition,
        30_000,
        () => ingest.logs(),
      );
      // resumed within the back-off bound (plus one attempt and its commit)
      expect(Date.now() - released).toBeLessThan(RETRY_MAX_MS + 3_000);
      await waitFor(
        'live and ready again',
        async () =>
          (await fetch(`http://127.0.0.1:${ingest.port}/health/live`)).status === 200 &&
          (await ingest.health()).status === 200,
        20_000,
        () => ingest.logs(),
      );
      expect(await scalar(f.pg, 'SELECT count(*) FROM meter_reading')).toBe(3 * perPartition);
    } finally {
      await locker.end().catch(() => undefined);
      await ingest.stop();
      await teardown(f);
    }
  });

  it('a correction chain: estimated, then substituted, then measured ends measured, all three kept, rollups equal', async () => {
    const f = await fixture('chain');
    try {
      await f.ingest.start();
      await f.pg.connect();
      const topology = smallTopology(3);
      const pool = new Pool({ connectionString: f.db.url, max: 1 });
      await new TopologyRepository(pool).upsertTopology(topology).finally(() => pool.end());
      const meter = meterId(1);
      const ss =
        (topology.meterPoints ?? []).find((m) => m.meterPointId === meter)?.secondarySubstationId ?? '';
      const start = Math.floor((Date.now() - 2 * 3_600_000) / QH) * QH;
      const versions = [
        { id: 'v1-estimated', quality: 'estimated', importWh: 400 },
        { id: 'v2-substituted', quality: 'substituted', importWh: 420 },
        { id: 'v3-measured', quality: 'measured', importWh: 433 },
      ];
      for (const v of versions) {
        await producer.send({
          topic: f.readings,
          acks: -1,
          messages: [{ key: meter, value: json(reading(meter, start, v)) }],
        });
        // each version on its own, after the one before is stored (corrections arrive over days)
        await waitFor(
          `${v.id} stored`,
          async () =>
            (await scalar(f.pg, 'SELECT count(*) FROM meter_reading_version WHERE event_id = $1', [v.id])) ===
            1,
          60_000,
          () => f.ingest.logs(),
        );
      }
      const current = await f.pg.query<{ event_id: string; quality: string; import_wh: string }>(
        'SELECT event_id, quality, import_wh FROM meter_reading WHERE meter_point_id = $1',
        [meter],
      );
      expect(current.rows).toEqual([{ event_id: 'v3-measured', quality: 'measured', import_wh: '433' }]);
      const history = await f.pg.query<{
        event_id: string;
        quality: string;
        version: number;
        is_current: boolean;
      }>(
        'SELECT event_id, quality, version, is_current FROM meter_reading_history WHERE meter_point_id = $1 ORDER BY version',
        [meter],
      );
      expect(history.rows).toEqual([
        { event_id: 'v1-estimated', quality: 'estimated', version: 1, is_current: false },
        { event_id: 'v2-substituted', quality: 'substituted', version: 2, is_current: false },
        { event_id: 'v3-measured', quality: 'measured', version: 3, is_current: true },
      ]);
      // the rollups follow the current value, at every level and width
      const rollup = (rel: string, node: string) =>
        scalar(
          f.pg,
          `SELECT coalesce(sum(import_wh), -1) FROM ${rel} WHERE node_id = $1 AND bucket_start = $2`,
          [node, new Date(rel.includes('1h') ? Math.floor(start / 3_600_000) * 3_600_000 : start)],
        );
      const feeder =
        (topology.secondarySubstations ?? []).find((s) => s.secondarySubstationId === ss)?.feederId ?? '';
      await waitFor(
        'rollups equal to the measured value',
        async () =>
          (await rollup('load_15m_secondary_substation', ss)) === 433 &&
          (await rollup('load_15m_feeder', feeder)) === 433 &&
          (await rollup('load_1h_secondary_substation', ss)) === 433,
        30_000,
        () => f.ingest.logs(),
      );
      const metrics = await f.ingest.metrics();
      expect(metric(metrics, 'gridwerk_ingest_corrections_total', { result: 'applied' })).toBe(2);
      expect(f.ingest.logs()).toMatch(/corrections stored/);
    } finally {
      await teardown(f);
    }
  });
});
