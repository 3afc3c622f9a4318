import { createIngestTestDb, IngestTestDb, pauseTimescaleJobs } from '../../testing/ingest-test-db';
import { ensurePartitions } from '../partitions';
import { INGEST_MIGRATIONS } from './index';
import { compareVersions, detectStorageMode } from '../storage-mode';
import type { StorageMode } from '../types';
import { MIN_TIMESCALEDB_VERSION, PARTITIONS_AHEAD_DAYS, PARTITIONS_BACK_DAYS } from '../storage-settings';

const DAY = 86_400_000;
const ymd = (t: number) => new Date(t).toISOString().slice(0, 10).replace(/-/g, '');

async function relations(t: IngestTestDb): Promise<string[]> {
  const rows: { name: string }[] = await t.ds.query(
    `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm') ORDER BY 1`,
  );
  return rows.map((r) => r.name);
}

/** The mode the server offers, found apart from the code under test: TimescaleDB when it preloads the extension. */
async function offeredMode(t: IngestTestDb): Promise<StorageMode> {
  const [row] = await t.ds.query<{ ts: boolean }[]>(
    `SELECT coalesce(current_setting('shared_preload_libraries', true), '') LIKE '%timescaledb%'
        AND EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb') AS ts`,
  );
  return row?.ts ? 'timescaledb' : 'native-partitioning';
}

describe('ingest migrations (in the storage mode the server offers)', () => {
  let t: IngestTestDb;

  beforeAll(async () => {
    t = await createIngestTestDb('ingest_migrations');
  });
  afterAll(async () => {
    await t?.close();
  });

  it('chooses the storage mode the server offers and records it', async () => {
    const mode = await offeredMode(t);
    expect(await detectStorageMode(t.ds)).toBe(mode);
    const rows: { key: string; value: string }[] = await t.ds.query(
      'SELECT key, value FROM ingest_schema_info ORDER BY key',
    );
    expect(rows.find((r) => r.key === 'storage_mode')?.value).toBe(mode);
    expect(rows.find((r) => r.key === 'storage_mode_reason')?.value).toMatch(/timescaledb/);
    if (mode === 'timescaledb') {
      const [ext] = await t.ds.query<{ extversion: string }[]>(
        `SELECT extversion FROM pg_extension WHERE extname = 'timescaledb'`,
      );
      expect(compareVersions(ext?.extversion ?? '0', MIN_TIMESCALEDB_VERSION)).toBeGreaterThanOrEqual(0);
    }
  });

  it('creates daily reading partitions back and ahead, weekly telemetry partitions and DEFAULT partitions (TimescaleDB: 1-day and 7-day chunks)', async () => {
    if ((await offeredMode(t)) === 'timescaledb') {
      const dims = await t.ds.query<{ h: string; days: number }[]>(
        `SELECT hypertable_name AS h, extract(epoch FROM time_interval)::int / 86400 AS days
           FROM timescaledb_information.dimensions WHERE hypertable_name IN ('meter_reading', 'meter_reading_revision', 'battery_telemetry')
          ORDER BY 1`,
      );
      expect(dims).toEqual([
        { h: 'battery_telemetry', days: 7 },
        { h: 'meter_reading', days: 1 },
        { h: 'meter_reading_revision', days: 1 },
      ]);
      const names = await relations(t);
      expect(names.filter((n) => n.endsWith('_default'))).toEqual([]);
      return;
    }
    const names = await relations(t);
    const now = Date.now();
    expect(names).toContain(`meter_reading_p${ymd(now - PARTITIONS_BACK_DAYS * DAY)}`);
    expect(names).toContain(`meter_reading_p${ymd(now)}`);
    expect(names).toContain(`meter_reading_p${ymd(now + PARTITIONS_AHEAD_DAYS * DAY)}`);
    expect(names).toContain('meter_reading_default');
    expect(names).toContain('battery_telemetry_default');
    expect(names.filter((n) => n.startsWith('battery_telemetry_p')).length).toBeGreaterThanOrEqual(6);
    const [partitioned] = await t.ds.query(
      `SELECT count(*)::int AS n FROM pg_inherits WHERE inhparent = 'meter_reading'::regclass`,
    );
    expect(partitioned.n).toBe(PARTITIONS_BACK_DAYS + PARTITIONS_AHEAD_DAYS + 1 + 1 /* default */);
    // every partition, including one created after the migrations, carries the time BRIN index
    const qr = t.ds.createQueryRunner();
    try {
      await qr.startTransaction();
      await qr.query(
        `CREATE TABLE meter_reading_brin_probe PARTITION OF meter_reading FOR VALUES FROM ('2099-01-01') TO ('2099-01-02')`,
      );
      const [unindexed] = await qr.query(
        `SELECT count(*)::int AS n FROM pg_inherits i
          WHERE i.inhparent = 'meter_reading'::regclass
            AND NOT EXISTS (SELECT 1 FROM pg_index x JOIN pg_class c ON c.oid = x.indexrelid
                              JOIN pg_am a ON a.oid = c.relam
                             WHERE x.indrelid = i.inhrelid AND a.amname = 'brin')`,
      );
      expect(unindexed.n).toBe(0);
    } finally {
      await qr.rollbackTransaction();
      await qr.release();
    }
  });

  it('exposes the same query surface as the TimescaleDB mode', async () => {
    for (const width of ['15m', '1h']) {
      for (const level of ['secondary_substation', 'feeder', 'substation']) {
        const cols: { column_name: string }[] = await t.ds.query(
          `SELECT column_name FROM information_schema.columns WHERE table_name = $1 ORDER BY ordinal_position`,
          [`load_${width}_${level}`],
        );
        expect(cols.map((c) => c.column_name)).toEqual([
          'node_id',
          'bucket_start',
          'import_wh',
          'export_wh',
          'net_wh',
          'meters_reporting',
        ]);
      }
    }
  });

  it('is a no-op when run again, and ensurePartitions is a no-op when partitions exist', async () => {
    expect(await t.ds.runMigrations()).toEqual([]);
    const now = new Date();
    expect(await ensurePartitions(t.ds, new Date(now.getTime() - 5 * DAY), now)).toBe(0);
  });

  it('reverts every migration with down, and runs up again', async () => {
    const before = await relations(t);
    // TimescaleDB starts the new jobs at once; one still running deadlocks the DDL of a down migration, so
    // (as the README asks of operators) the jobs are unscheduled and waited for first
    await pauseTimescaleJobs(t.pool);
    for (let i = 0; i < INGEST_MIGRATIONS.length; i++) await t.ds.undoLastMigration();
    const left = (await relations(t)).filter((n) => n !== 'typeorm_migrations');
    expect(left).toEqual([]);
    const fns: unknown[] = await t.ds.query(
      `SELECT 1 FROM pg_proc WHERE proname IN ('ensure_partitions', 'ingest_ensure_range_partitions', 'ingest_rollup_load_notify')`,
    );
    expect(fns).toHaveLength(0);
    const ran = await t.ds.runMigrations();
    expect(ran.map((m) => m.name)).toEqual([
      'GridTopology1730000000000',
      'IngestRawSeries1730000000100',
      'IngestLoadRollups1730000000200',
      'IngestReadingVersions1730000000300',
      'IngestTimescaleLifecycle1730000000400',
      'IngestRecompressWeeks1730000000500',
      'IngestImportCheckpoint1730000000600',
      'IngestLazyReadingVersions1730000000700',
      'IngestRollupNotify1730000000800',
      'GridTopologyCoordinates1766000000000',
      'GridTopologyStationStreet1767000000000',
      'IngestRollupNotifyInRefresh1767100000000',
      'IngestReadingTimeBrin1767100000100',
      'IngestUncontrolledLoad1767204500000',
    ]);
    expect(await relations(t)).toEqual(before);
  });
});
