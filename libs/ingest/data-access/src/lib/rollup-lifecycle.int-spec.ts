import { TopologyRepository } from '@gridwerk/shared/data-access-topology';
import {
  createIngestTestDb,
  IngestTestDb,
  meterId,
  quarterHourReadings,
  smallTopology,
} from '../testing/ingest-test-db';
import { rebuildLoadRollups, refreshRollups } from './load-rollup.maintenance';
import { MeterReadingWriter } from './meter-reading.writer';
import { dropExpiredPartitions } from './partitions';
import { CAGG_REFRESH_ORDER } from './load-rollup.sql';
import { detectStorageMode } from './storage-mode';
import type { StorageMode } from './types';
import { verifyRollups } from './verify-rollups';

// TimescaleDB's first refresh of a cagg over the retention window takes ~30 s on this machine, a forced
// refresh of the upper levels seconds each
jest.setTimeout(360_000);

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/**
 * The rollups' contract in either storage mode (whichever the test database has: native in CI,
 * TimescaleDB when the server preloads it): whatever its age within the retention, every reading stored
 * is in every rollup level once the maintenance has run, and the rollups then equal a plain aggregate of
 * the raw rows exactly (verifyRollups). The maintenance is run explicitly: natively the service's
 * refresh; on TimescaleDB every job of the database (the ordered refresh job, compression, retention).
 */
describe('rollups in either storage mode: nothing lost, every level equal to the raw rows', () => {
  let t: IngestTestDb;
  let mode: StorageMode;
  let writer: MeterReadingWriter;
  const today = Math.floor(Date.now() / DAY) * DAY;
  const recent = new Date(today - DAY);
  const old = new Date(today - 30 * DAY);
  // a closed calendar month, two months back, backfilled (3 days of it, to stay small)
  const month = new Date(Date.UTC(new Date(today).getUTCFullYear(), new Date(today).getUTCMonth() - 2, 1));
  const range = { from: new Date(month.getTime() - DAY), to: new Date(today + DAY) };

  /** What runs in production between a write and the next read of the rollups. */
  async function maintain(): Promise<void> {
    if (mode === 'native-partitioning') {
      await dropExpiredPartitions(t.pool);
      await refreshRollups(t.pool);
      return;
    }
    const jobs = await t.pool.query<{ job_id: number }>(
      `SELECT job_id FROM timescaledb_information.jobs WHERE job_id >= 1000 ORDER BY job_id`,
    );
    for (const j of jobs.rows) await t.pool.query('CALL run_job($1)', [j.job_id]);
  }

  beforeAll(async () => {
    t = await createIngestTestDb('ingest_rollup_lifecycle');
    mode = await detectStorageMode(t.pool);
    // TimescaleDB: the jobs run when the test says so (maintain), not also in the background
    if (mode === 'timescaledb')
      await t.pool.query(
        `SELECT alter_job(job_id, scheduled => false) FROM timescaledb_information.jobs WHERE job_id >= 1000`,
      );
    await new TopologyRepository(t.pool).upsertTopology(smallTopology(24));
    writer = new MeterReadingWriter(t.pool);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('applies readings 30 days old, a backfilled closed month and a late reading at every level', async () => {
    await writer.writeReadings(quarterHourReadings(recent, 16, 0, 24));
    await maintain();
    await writer.writeReadings(quarterHourReadings(old, 8, 0, 24, 'old'));
    await writer.writeReadings(quarterHourReadings(month, 3 * 96, 0, 12, 'backfill'));
    // late: a meter that had not reported for an hour already rolled up
    await writer.writeReadings(quarterHourReadings(new Date(recent.getTime() + HOUR), 4, 20, 24, 'x'));
    await maintain();
    const v = await verifyRollups(t.pool, range);
    expect([v.differing, v.pendingHours]).toEqual([0, 0]);
    // and the old data is there, not just equally absent
    const feederDays = await t.pool.query<{ n: number }>(
      `SELECT count(DISTINCT date_trunc('day', bucket_start))::int AS n FROM load_1h_feeder
        WHERE bucket_start >= $1 AND bucket_start < $2`,
      [range.from, range.to],
    );
    expect(feederDays.rows[0]?.n).toBe(3 + 1 + 1); // the month's 3 days, the old day, the recent day
    // nothing disappears when the maintenance runs again
    await maintain();
    expect((await verifyRollups(t.pool, range)).differing).toBe(0);
  });

  it('a meter joining a feeder and a meter moving between feeders: equal after rebuildLoadRollups', async () => {
    await writer.writeReadings(quarterHourReadings(recent, 8, 990, 991, 'unknown'));
    await maintain();
    expect((await verifyRollups(t.pool, range)).differing).toBe(0); // an unknown meter is in no node's load
    const topo = new TopologyRepository(t.pool);
    await topo.upsertTopology({
      meterPoints: [
        {
          meterPointId: meterId(990),
          secondarySubstationId: 'UW-01-F02-ONS1',
          customerType: 'commerce',
          profile: 'G25',
          annualConsumptionWh: 9_000_000,
        },
      ],
    });
    await t.pool.query(`UPDATE meter_point SET secondary_substation_id = 'UW-02-F01-ONS2' WHERE id = $1`, [
      meterId(3),
    ]);
    expect((await verifyRollups(t.pool, range)).differing).toBeGreaterThan(0);
    await rebuildLoadRollups(t.pool, range.from, range.to);
    await maintain();
    expect((await verifyRollups(t.pool, range)).differing).toBe(0);
  });

  it('TimescaleDB: one ordered refresh job instead of eight policies; compression and retention everywhere', async () => {
    if (mode !== 'timescaledb') return; // native mode: the service refreshes, dropExpiredPartitions retains
    const jobs = await t.pool.query<{ proc_name: string; hypertable_name: string | null }>(
      `SELECT proc_name, hypertable_name FROM timescaledb_information.jobs WHERE job_id >= 1000`,
    );
    const byProc = (p: string) => jobs.rows.filter((j) => j.proc_name === p);
    expect(byProc('policy_refresh_continuous_aggregate')).toEqual([]);
    expect(byProc('ingest_refresh_rollups')).toHaveLength(1);
    const views = await t.pool.query<{ view_name: string }>(
      `SELECT view_name FROM timescaledb_information.continuous_aggregates`,
    );
    // the jobs view names a continuous aggregate's policies by the view
    const tables = [
      'meter_reading',
      'meter_reading_revision',
      'battery_telemetry',
      ...views.rows.map((v) => v.view_name),
    ];
    expect(views.rows.map((v) => v.view_name).sort()).toEqual(CAGG_REFRESH_ORDER.map((c) => c.view).sort());
    for (const table of tables) {
      const policies = jobs.rows.filter((j) => j.hypertable_name === table).map((j) => j.proc_name);
      expect([table, policies.sort()]).toEqual([table, ['policy_compression', 'policy_retention']]);
    }
    const segment = await t.pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM timescaledb_information.hypertable_compression_settings
        WHERE hypertable::text = 'meter_reading' AND segmentby = 'meter_point_id'`,
    );
    expect(segment.rows[0]?.n).toBe(1);
  });

  it('TimescaleDB: late data into compressed chunks is applied, and compressing loses nothing', async () => {
    if (mode !== 'timescaledb') return;
    // compress every chunk older than a week (raw and materialised), then write into one of them
    const chunks = await t.pool.query<{ c: string }>(
      `SELECT format('%I.%I', chunk_schema, chunk_name) AS c FROM timescaledb_information.chunks
        WHERE range_end < now() - INTERVAL '7 days' AND NOT is_compressed`,
    );
    for (const c of chunks.rows) await t.pool.query('SELECT compress_chunk($1::regclass)', [c.c]);
    expect((await verifyRollups(t.pool, range)).differing).toBe(0);
    await writer.writeReadings(quarterHourReadings(new Date(old.getTime() + 4 * HOUR), 4, 0, 24, 'late-old'));
    await maintain();
    expect((await verifyRollups(t.pool, range)).differing).toBe(0);
  });
});
