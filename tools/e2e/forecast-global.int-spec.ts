import crypto from 'node:crypto';
import { type Kafka, type KafkaMessage } from 'kafkajs';
import { EventTypes, Topics, parseEvent } from '@gridwerk/contracts';
import { createIngestTestDb, type IngestTestDb, pauseTimescaleJobs } from '@gridwerk/ingest/data-access';
import { readMessages, testBrokers, testKafka } from '@gridwerk/shared/data-access-kafka';
import { runForecastCli } from './forecast-cli';
import { refreshFixtureRollups, syntheticFeederLoadWh, writeFeederLoad } from './forecast-fixtures';

/**
 * `forecast train --global` end to end (issue #23), as the Indexed Job runs it: one global model over several
 * series of different size, trained from the rollup views of a real PostgreSQL with static features from
 * the topology tables, promoted per series, and `forecast run` issuing forecasts from it through the outbox
 * to the real broker. Then the sharding: two shards split the series without overlap.
 */
const DAY = 86_400_000;
const ISSUE_ISO = '2025-03-20T09:00:00Z'; // 10:00 Europe/Berlin
const ISSUE = Date.parse(ISSUE_ISO);
const tag = `GLB${crypto.randomBytes(3).toString('hex').toUpperCase()}`;
const feeders = [`${tag}-F01`, `${tag}-F02`, `${tag}-F03`];
const seriesIds = [
  ...feeders.map((f) => `feeder:${f}`),
  ...feeders.map((f) => `secondary-substation:${f}-ONS`),
];

let t: IngestTestDb;
let env: Record<string, string>;
let kafka: Kafka;

interface Summary {
  status: string;
  version: string;
  series: number;
  promoted: number;
  notPromoted: number;
  skipped: number;
  topologyStatics: boolean;
  shard: { index: number; count: number };
  results: { seriesId: string; status: string; modelMae?: number; bestBaselineMae?: number }[];
}

async function trainGlobal(extra: string[]): Promise<Summary> {
  const r = await runForecastCli(
    [
      'train',
      '--global',
      '--series',
      seriesIds.join(','),
      '--until',
      ISSUE_ISO,
      '--history-days',
      '60',
      '--test-days',
      '7',
      '--max-epochs',
      '25',
      '--json',
      ...extra,
    ],
    env,
    600_000,
  );
  expect({ code: r.code, stderr: r.code === 0 ? '' : r.stderr }).toEqual({ code: 0, stderr: '' });
  return JSON.parse(r.stdout) as Summary;
}

function ours(msgs: KafkaMessage[]): KafkaMessage[] {
  return msgs.filter((m) => seriesIds.includes(m.key?.toString() ?? ''));
}

beforeAll(async () => {
  t = await createIngestTestDb('forecast_global');
  await pauseTimescaleJobs(t.pool);
  const days = 60;
  const start = ISSUE - days * DAY;
  await Promise.all(
    feeders.map((f, i) =>
      writeFeederLoad(
        t.pool,
        f,
        start,
        syntheticFeederLoadWh({ startMs: start, days, seed: 40 + i, households: 120 + 250 * i }),
      ),
    ),
  );
  await refreshFixtureRollups(t.pool, start, ISSUE);
  env = { DATABASE_URL: t.db.url, KAFKA_BROKERS: testBrokers().join(','), LOG_LEVEL: 'info' };
  kafka = testKafka('forecast-global-test');
}, 240_000);

afterAll(async () => {
  await t?.close();
});

describe('forecast train --global (CLI, PostgreSQL, Kafka)', () => {
  it('prints its help', async () => {
    const r = await runForecastCli(['train', '--global', '--help'], env);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('--shard-index');
    expect(r.stdout).toContain('--max-samples');
    const bad = await runForecastCli(
      ['train', '--global', '--all', '--shard-index', '2', '--shard-count', '2'],
      env,
    );
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--shard-index must be below --shard-count (2), got 2');
    // two CLI processes (ts-node start-up each), as the other CLI specs allow per process
  }, 240_000);

  it('trains one model for all series, promotes per series, and run forecasts from it to Kafka', async () => {
    const summary = await trainGlobal(['--shard-index', '0', '--shard-count', '1']);
    expect(summary).toMatchObject({ status: 'trained', series: 6, skipped: 0, topologyStatics: true });
    expect(summary.version).toMatch(/^global-day-ahead-2025-03-20T09:00:00Z-[0-9a-f]{16}$/);
    expect(summary.promoted + summary.notPromoted).toBe(6);
    // The synthetic load is forecastable: the global model beats persistence on these series.
    expect(summary.promoted).toBeGreaterThanOrEqual(4);
    for (const r of summary.results.filter((x) => x.status === 'promoted'))
      expect(r.modelMae ?? Infinity).toBeLessThan(r.bestBaselineMae ?? 0);

    // Stored once; one row per series pointing at it, holding the series' binding (scale, statics).
    const shared = await t.pool.query<{ version: string; series: number; shard_count: number }>(
      'SELECT version, series, shard_count FROM forecast_global_model',
    );
    expect(shared.rows).toEqual([{ version: summary.version, series: 6, shard_count: 1 }]);
    const rows = await t.pool.query<{
      series_id: string;
      promoted: boolean;
      artefact: {
        format: string;
        scale: number;
        statics: { rating?: number; profileShares?: { G25?: number } };
      };
    }>(
      'SELECT series_id, promoted, artefact FROM forecast_model WHERE global_version = $1 ORDER BY series_id',
      [summary.version],
    );
    expect(rows.rows.map((r) => r.series_id)).toEqual([...seriesIds].sort());
    const promotedIds = summary.results.filter((r) => r.status === 'promoted').map((r) => r.seriesId);
    expect(rows.rows.filter((r) => r.promoted).map((r) => r.series_id)).toEqual([...promotedIds].sort());
    const station = rows.rows.find((r) => r.series_id === `secondary-substation:${feeders[0]}-ONS`);
    expect(station?.artefact.format).toBe('gridwerk.forecast.global-binding');
    // The fixture's station: 630 kVA = 157,500 Wh per quarter hour, one G25 meter.
    expect(station?.artefact.statics.rating).toBe(157_500);
    expect(station?.artefact.statics.profileShares?.G25).toBe(1);
    const scales = rows.rows.filter((r) => r.series_id.startsWith('feeder:')).map((r) => r.artefact.scale);
    expect(Math.max(...scales) / Math.min(...scales)).toBeGreaterThan(3); // different sizes, one model

    const run = await runForecastCli(
      [
        'run',
        '--series',
        promotedIds.join(','),
        '--horizon',
        'day-ahead',
        '--issue-time',
        ISSUE_ISO,
        '--json',
      ],
      env,
    );
    expect({ code: run.code, stderr: run.code === 0 ? '' : run.stderr }).toEqual({ code: 0, stderr: '' });
    expect(JSON.parse(run.stdout)).toMatchObject({
      issued: promotedIds.length,
      failed: 0,
      relay: { published: promotedIds.length },
    });
    const values = await t.pool.query<{ n: string; bad: string; versions: string[] }>(
      `SELECT count(*) AS n, count(*) FILTER (WHERE NOT (p10_wh <= p50_wh AND p50_wh <= p90_wh)) AS bad,
              array_agg(DISTINCT model_version) AS versions FROM forecast_value`,
    );
    expect(values.rows[0]).toEqual({
      n: String(96 * promotedIds.length),
      bad: '0',
      versions: [summary.version],
    });
    const msgs = ours(
      await readMessages(kafka, Topics.forecasts, (m) => ours(m).length >= promotedIds.length, 30_000),
    );
    expect(msgs).toHaveLength(promotedIds.length);
    for (const m of msgs) {
      const parsed = parseEvent(m.value ?? Buffer.alloc(0), EventTypes.forecastIssued);
      if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
      expect(parsed.value.data.modelVersion).toBe(summary.version);
      expect(parsed.value.data.points).toHaveLength(96);
      // In the series' own unit and range (de-normalised per series), not in normalised units.
      const p50 = parsed.value.data.points.map((p) => p.p50Wh);
      expect(Math.max(...p50)).toBeGreaterThan(5_000);
      expect(Math.max(...p50)).toBeLessThan(400_000);
    }

    // The same data and settings again: the version exists, nothing changes.
    const again = await trainGlobal(['--shard-index', '0', '--shard-count', '1']);
    expect(again).toMatchObject({ status: 'unchanged', version: summary.version });
    const n = await t.pool.query<{ n: string }>('SELECT count(*) AS n FROM forecast_model');
    expect(n.rows[0]?.n).toBe('6');
  }, 900_000);

  it('two shards split the series: each series in exactly one shard, one model per shard', async () => {
    const a = await trainGlobal(['--shard-index', '0', '--shard-count', '2', '--max-epochs', '3']);
    const b = await trainGlobal(['--shard-index', '1', '--shard-count', '2', '--max-epochs', '3']);
    const ids = (s: Summary) => s.results.map((r) => r.seriesId);
    expect([...ids(a), ...ids(b)].sort()).toEqual([...seriesIds].sort());
    expect(ids(a).filter((x) => ids(b).includes(x))).toEqual([]);
    expect(a.shard).toEqual({ index: 0, count: 2 });
    const shards = await t.pool.query<{ shard_index: number; series: number }>(
      'SELECT shard_index, series FROM forecast_global_model WHERE shard_count = 2 ORDER BY shard_index',
    );
    expect(shards.rows.map((r) => r.shard_index)).toEqual(
      [a, b].filter((s) => s.status === 'trained').map((s) => s.shard.index),
    );
    expect(shards.rows.reduce((s, r) => s + r.series, 0)).toBe(
      [a, b].filter((s) => s.status === 'trained').reduce((s, x) => s + x.series, 0),
    );
    // Still one promoted model per series and horizon, whichever won.
    const dup = await t.pool.query<{ n: string }>(
      `SELECT count(*) AS n FROM (SELECT series_id FROM forecast_model WHERE promoted GROUP BY series_id, horizon HAVING count(*) > 1) d`,
    );
    expect(dup.rows[0]?.n).toBe('0');
  }, 900_000);
});
