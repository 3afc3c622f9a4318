import {
  createIngestTestDb,
  IngestTestDb,
  meterId,
  minuteReadings,
  pauseTimescaleJobs,
  quarterHourReadings,
  refreshRollupsNow,
  smallTopology,
} from '../testing/ingest-test-db';
import { LoadQueries } from './load.queries';
import { rebuildLoadRollups, refreshRollups } from './load-rollup.maintenance';
import { MeterReadingWriter } from './meter-reading.writer';
import { TopologyRepository } from '@gridwerk/shared/data-access-topology';
import { detectStorageMode } from './storage-mode';
import type { StorageMode } from './types';

const LEVELS = { secondary_substation: 'ss.id', feeder: 'f.id', substation: 'f.substation_id' } as const;
const WIDTHS = { '15m': 900, '1h': 3600 } as const;

/**
 * The truth, computed independently of the lib's SQL: a direct GROUP BY of all raw rows joined with the
 * topology, buckets by epoch arithmetic. One text line per (level, width, node, bucket).
 */
async function expectedRollups(t: IngestTestDb): Promise<string[]> {
  const parts: string[] = [];
  for (const [level, node] of Object.entries(LEVELS)) {
    for (const [width, seconds] of Object.entries(WIDTHS)) {
      parts.push(`
        SELECT '${level}' AS level, '${width}' AS width, ${node} AS node_id,
               to_timestamp(floor(extract(epoch FROM r.interval_start) / ${seconds}) * ${seconds}) AS bucket_start,
               sum(r.import_wh) AS import_wh, sum(r.export_wh) AS export_wh, sum(r.import_wh - r.export_wh) AS net_wh,
               count(DISTINCT r.meter_point_id) AS meters_reporting
          FROM meter_reading r
          JOIN meter_point mp ON mp.id = r.meter_point_id
          JOIN secondary_substation ss ON ss.id = mp.secondary_substation_id
          JOIN feeder f ON f.id = ss.feeder_id
         GROUP BY 1, 2, 3, 4`);
    }
  }
  return lines(t, parts.join(' UNION ALL '));
}

/** What the query surface (the load_* relations) says. */
async function actualRollups(t: IngestTestDb): Promise<string[]> {
  return lines(
    t,
    rollupsFrom((width, level) => `load_${width}_${level}`),
  );
}

/**
 * What is stored, without anything computed at query time: natively the same (the views read rollup_load);
 * on TimescaleDB the materialisation hypertables of the continuous aggregates, without the real-time part.
 */
async function materialisedRollups(t: IngestTestDb, mode: StorageMode): Promise<string[]> {
  if (mode === 'native-partitioning') return actualRollups(t);
  const mats = await t.pool.query<{ view_name: string; mat: string }>(
    `SELECT view_name, format('%I.%I', materialization_hypertable_schema, materialization_hypertable_name) AS mat
       FROM timescaledb_information.continuous_aggregates`,
  );
  const byView = new Map(mats.rows.map((r) => [r.view_name, r.mat]));
  return lines(
    t,
    rollupsFrom((width, level) => byView.get(`load_${width}_${level}`) ?? 'missing'),
  );
}

function rollupsFrom(relation: (width: string, level: string) => string): string {
  const parts: string[] = [];
  for (const level of Object.keys(LEVELS)) {
    for (const width of Object.keys(WIDTHS)) {
      parts.push(`SELECT '${level}' AS level, '${width}' AS width, node_id, bucket_start, import_wh, export_wh, net_wh, meters_reporting
                    FROM ${relation(width, level)}`);
    }
  }
  return parts.join(' UNION ALL ');
}

async function lines(t: IngestTestDb, sql: string): Promise<string[]> {
  const res = await t.pool.query<{ line: string }>(
    `SELECT concat_ws('|', level, width, node_id, to_char(bucket_start AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI'),
                      import_wh, export_wh, net_wh, meters_reporting) AS line
       FROM (${sql}) x ORDER BY 1`,
  );
  return res.rows.map((r) => r.line);
}

/**
 * In the storage mode of the test database: natively the invalidation log + refreshRollups, on TimescaleDB
 * the continuous aggregates and their refresh job, run explicitly (refreshRollupsNow; the background
 * schedule is paused so that "not yet refreshed" is deterministic). Same behaviour asserted in both.
 */
describe('load rollups (either storage mode: refreshed from the raw rows)', () => {
  let t: IngestTestDb;
  let mode: StorageMode;
  let writer: MeterReadingWriter;
  const day = new Date(Math.floor(Date.now() / 86_400_000) * 86_400_000 - 3 * 86_400_000); // 00:00 UTC, 3 days ago

  beforeAll(async () => {
    t = await createIngestTestDb('ingest_rollups');
    mode = await detectStorageMode(t.pool);
    await pauseTimescaleJobs(t.pool);
    const topo = new TopologyRepository(t.pool);
    await topo.upsertTopology(smallTopology(40));
    // idempotent: the same snapshot again changes nothing
    await topo.upsertTopology(smallTopology(40));
    writer = new MeterReadingWriter(t.pool);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('upserts the topology idempotently', async () => {
    const res = await t.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM meter_point');
    expect(res.rows[0]?.n).toBe(40);
    const changed = smallTopology(40);
    await new TopologyRepository(t.pool).upsertTopology({
      secondarySubstations: changed.secondarySubstations?.map((s) => ({ ...s, ratedKva: 800 })),
    });
    const kva = await t.pool.query<{ kva: number }>(
      'SELECT DISTINCT rated_kva AS kva FROM secondary_substation',
    );
    expect(kva.rows).toEqual([{ kva: 800 }]);
  });

  it('equals a direct GROUP BY of the raw rows, at every level and width', async () => {
    // 8 hours for meters 0..29 in two batches, PT1M readings for meter 30, a meter the topology lacks
    await writer.writeReadings(quarterHourReadings(day, 16, 0, 30));
    await writer.writeReadings(quarterHourReadings(new Date(day.getTime() + 16 * 900_000), 16, 0, 30));
    await writer.writeReadings(minuteReadings(new Date(day.getTime() + 3_600_000), 50, 30));
    await writer.writeReadings(quarterHourReadings(day, 4, 990, 991));
    await refreshRollupsNow(t.pool);
    if (mode === 'native-partitioning') {
      // 32 quarter hours of batches 1-2 = hours 0..7, all recomputed: none left pending
      const pending = await t.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM rollup_invalidation');
      expect(pending.rows[0]?.n).toBe(0);
    }
    const actual = await actualRollups(t);
    expect(actual.length).toBeGreaterThan(0);
    expect(actual).toEqual(await expectedRollups(t));
    // stored, not only computed at query time (TimescaleDB: the materialisation, not the real-time part)
    expect(await materialisedRollups(t, mode)).toEqual(actual);
  });

  it('stays equal after late data for intervals already rolled up, replays included', async () => {
    // meters 30..39 report late for hours already rolled up (new meters in those buckets), with a replay
    const late = quarterHourReadings(new Date(day.getTime() + 2 * 3_600_000), 6, 30, 40, 'late');
    await writer.writeReadings([...late, ...quarterHourReadings(day, 4, 0, 30)]);
    // the missing minutes of meter 30's PT1M hour, in shuffled order
    await writer.writeReadings(
      minuteReadings(new Date(day.getTime() + 3_600_000 + 50 * 60_000), 10, 30).reverse(),
    );
    // a single quarter hour in a bucket nobody reported in yet
    const [one] = quarterHourReadings(
      new Date(day.getTime() + 9 * 3_600_000 + 2 * 900_000),
      1,
      5,
      6,
      'single',
    );
    await writer.writeReadings([one]);
    await writer.writeReadings(late); // pure replay
    // until the refresh, the rollups still show the old state of those hours
    expect(await actualRollups(t)).not.toEqual(await expectedRollups(t));
    if (mode === 'native-partitioning') {
      const refreshed = await refreshRollups(t.pool, 2); // small claims: exercises the loop
      expect(refreshed.hours).toBeGreaterThanOrEqual(3);
    } else await refreshRollupsNow(t.pool);
    expect(await actualRollups(t)).toEqual(await expectedRollups(t));
    expect(await materialisedRollups(t, mode)).toEqual(await actualRollups(t));

    const [hour] = await new LoadQueries(t.pool).feederLoad(
      'UW-01-F01',
      new Date(day.getTime() + 2 * 3_600_000),
      new Date(day.getTime() + 3 * 3_600_000),
      '1h',
    );
    const direct = await t.pool.query<{ n: number }>(
      `SELECT count(DISTINCT r.meter_point_id)::int AS n FROM meter_reading r JOIN meter_point mp ON mp.id = r.meter_point_id
         JOIN secondary_substation ss ON ss.id = mp.secondary_substation_id
        WHERE ss.feeder_id = 'UW-01-F01' AND r.interval_start >= $1 AND r.interval_start < $2`,
      [new Date(day.getTime() + 2 * 3_600_000), new Date(day.getTime() + 3 * 3_600_000)],
    );
    expect(hour?.metersReporting).toBe(direct.rows[0]?.n);
  });

  it('rebuilds the rollups once the topology learns a meter that reported before it was known', async () => {
    const before = await expectedRollups(t);
    await new TopologyRepository(t.pool).upsertTopology({
      meterPoints: [
        {
          meterPointId: meterId(990),
          secondarySubstationId: 'UW-02-F02-ONS2',
          customerType: 'commerce',
          profile: 'G25',
          annualConsumptionWh: 9_000_000,
        },
      ],
    });
    const now = await expectedRollups(t);
    expect(now).not.toEqual(before);
    expect(await actualRollups(t)).not.toEqual(now);
    await rebuildLoadRollups(t.pool, day, new Date(day.getTime() + 86_400_000));
    expect(await actualRollups(t)).toEqual(now);
    expect(await materialisedRollups(t, mode)).toEqual(now);
  });

  it('counts a meter once per bucket when it mixes PT15M and PT1M readings, over short and long windows', async () => {
    // hour 12: meter 7 reports PT15M for 12:00 and 12:30, and PT1M inside both of those quarters and 12:15's
    const h = new Date(day.getTime() + 12 * 3_600_000);
    await writer.writeReadings([
      ...quarterHourReadings(h, 1, 7, 8, 'mix-q1'),
      ...quarterHourReadings(new Date(h.getTime() + 1_800_000), 1, 7, 8, 'mix-q3'),
    ]);
    await writer.writeReadings([
      ...minuteReadings(new Date(h.getTime() + 5 * 60_000), 4, 7, 'mix-a'),
      ...minuteReadings(new Date(h.getTime() + 16 * 60_000), 3, 7, 'mix-b'),
      ...minuteReadings(new Date(h.getTime() + 40 * 60_000), 2, 7, 'mix-c'),
    ]);
    const expected = await expectedRollups(t);
    expect(expected.filter((l) => l.includes('|15m|') && l.includes(`T12:00|`))).not.toEqual([]);
    if (mode === 'native-partitioning') {
      // a one-hour run, as the live refresher recomputes it
      await refreshRollups(t.pool, 1);
      expect(await actualRollups(t)).toEqual(expected);
      // a day, from a clean slate
      await t.pool.query('DELETE FROM rollup_load');
      await rebuildLoadRollups(t.pool, day, new Date(day.getTime() + 86_400_000));
    } else await refreshRollupsNow(t.pool);
    expect(await actualRollups(t)).toEqual(expected);
  });

  it('serves a 30-day feeder query from the rollup, not from the raw readings', async () => {
    const q = new LoadQueries(t.pool);
    const to = new Date(day.getTime() + 86_400_000);
    const from = new Date(to.getTime() - 30 * 86_400_000);
    const plan = await q.explainFeederLoad('UW-01-F01', from, to, '15m');
    if (mode === 'native-partitioning') {
      expect(plan).toMatch(/rollup_load/);
      expect(plan).not.toMatch(/meter_reading/);
    } else {
      // The feeder aggregate's materialisation below its watermark (the end of its last materialised
      // bucket); TimescaleDB's real-time part reads the raw chunks only from the watermark on, for the
      // buckets not yet materialised (in production the last minutes; here nothing was written since).
      const [feeder] = (
        await t.pool.query<{ mat: string; fq: string }>(
          `SELECT materialization_hypertable_name AS mat,
                  format('%I.%I', materialization_hypertable_schema, materialization_hypertable_name) AS fq
             FROM timescaledb_information.continuous_aggregates WHERE view_name = 'load_15m_feeder'`,
        )
      ).rows;
      const chunksOf = async (h: string) =>
        (
          await t.pool.query<{ c: string }>(
            `SELECT chunk_name AS c FROM timescaledb_information.chunks WHERE hypertable_name = $1`,
            [h],
          )
        ).rows.map((r) => r.c);
      const feederChunks = await chunksOf(feeder?.mat ?? '');
      expect(feederChunks.some((c) => plan.includes(` on ${c}`))).toBe(true);
      const [wm] = (
        await t.pool.query<{ wm: string }>(
          `SELECT (max(bucket_start) + INTERVAL '15 minutes')::text AS wm FROM ${feeder?.fq ?? 'missing'}`,
        )
      ).rows;
      expect(plan).toContain(`bucket_start < '${wm?.wm}'::timestamp with time zone`);
      const raw = await chunksOf('meter_reading');
      expect(raw.length).toBeGreaterThan(0);
      const rawScans = plan
        .split('\n')
        .filter((l) => raw.some((c) => / Scan /.test(l) && l.includes(` on ${c}`)));
      if (rawScans.length > 0)
        expect(plan).toContain(`interval_start >= '${wm?.wm}'::timestamp with time zone`);
      expect(plan).not.toMatch(/meter_reading_version/);
    }

    const load = await q.feederLoad('UW-01-F01', from, to, '15m');
    expect(load).toHaveLength(32);
    expect(load[0]).toEqual(
      expect.objectContaining({
        nodeId: 'UW-01-F01',
        bucketStart: day.toISOString(),
        netWh: load[0].importWh - load[0].exportWh,
      }),
    );
    expect(load.every((b, i) => i === 0 || b.bucketStart > load[i - 1].bucketStart)).toBe(true);
  });
});
