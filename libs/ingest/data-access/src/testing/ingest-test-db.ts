import { Pool } from 'pg';
import { DataSource } from 'typeorm';
import {
  createTestDatabase,
  postgresDataSourceOptions,
  TestDatabase,
} from '@gridwerk/shared/data-access-database';
import { INGEST_MIGRATIONS } from '../lib/migrations';
import { refreshRollups, retryWhileRefreshing } from '../lib/load-rollup.maintenance';
import { CAGG_REFRESH_ORDER } from '../lib/load-rollup.sql';
import { detectStorageMode } from '../lib/storage-mode';
import type { StorageMode } from '../lib/types';
import type { TopologySnapshot } from '@gridwerk/shared/data-access-topology';
import type { ReadingRow } from '../lib/types';

export interface IngestTestDb {
  db: TestDatabase;
  ds: DataSource;
  pool: Pool;
  close(): Promise<void>;
}

/** A fresh database with the ingest migrations applied through TypeORM, plus a pg pool on it. */
export async function createIngestTestDb(label: string, migrate = true): Promise<IngestTestDb> {
  const db = await createTestDatabase(label);
  const ds = new DataSource(
    postgresDataSourceOptions({
      url: db.url,
      applicationName: `test-${label}`,
      migrations: INGEST_MIGRATIONS,
      poolMax: 2,
    }),
  );
  await ds.initialize();
  if (migrate) await ds.runMigrations();
  const pool = new Pool({ connectionString: db.url, max: 4 });
  return {
    db,
    ds,
    pool,
    async close() {
      // pg-pool resolves end() before its last client's socket has closed; dropping the database WITH
      // (FORCE) then terminates that backend (57P01), which pg-pool re-emits on the pool. Expected here.
      pool.on('error', (err: Error & { code?: string }) => {
        if (err.code !== '57P01') throw err;
      });
      await pool.end();
      await ds.destroy();
      await db.drop();
    },
  };
}

/**
 * Brings every rollup level up to date now, in the storage mode the database has, and returns that mode.
 * Native: the ingest service's refreshRollups without settling (every invalidated hour). TimescaleDB:
 * the `ingest_refresh_rollups` job, as its schedule would run it (bottom-up over the retention window);
 * or, with `window`, refresh_continuous_aggregate over that window level by level, lowest first (for
 * data outside the job's window, e.g. fixtures dated before the raw retention).
 */
export async function refreshRollupsNow(pool: Pool, window?: { from: Date; to: Date }): Promise<StorageMode> {
  const mode = await detectStorageMode(pool);
  if (mode === 'native-partitioning') {
    await refreshRollups(pool, { settleMs: 0 });
    return mode;
  }
  if (!window) {
    const job = await pool.query<{ value: string }>(
      `SELECT value FROM ingest_schema_info WHERE key = 'rollup_refresh_job'`,
    );
    await retryWhileRefreshing(() => pool.query('CALL run_job($1)', [Number(job.rows[0]?.value)]));
    return mode;
  }
  const hour = 3_600_000;
  const from = new Date(Math.floor(window.from.getTime() / hour) * hour);
  const to = new Date(Math.ceil(window.to.getTime() / hour) * hour);
  for (const { view } of CAGG_REFRESH_ORDER)
    await retryWhileRefreshing(() =>
      pool.query(`CALL refresh_continuous_aggregate('${view}', $1::timestamptz, $2::timestamptz)`, [
        from,
        to,
      ]),
    );
  return mode;
}

/**
 * TimescaleDB: the scheduled jobs of this database (refresh, compression, retention) run only when a test
 * says so. Returns once none of them is running any more (up to a minute): a job started just before, e.g.
 * right after the migrations created it, would otherwise still hold its locks (and deadlock a down migration).
 */
export async function pauseTimescaleJobs(pool: Pool): Promise<void> {
  if ((await detectStorageMode(pool)) !== 'timescaledb') return;
  await pool.query(
    `SELECT alter_job(job_id, scheduled => false) FROM timescaledb_information.jobs WHERE job_id >= 1000`,
  );
  const until = Date.now() + 60_000;
  for (;;) {
    const r = await pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM timescaledb_information.job_stats WHERE job_id >= 1000 AND job_status = 'Running'`,
    );
    if ((r.rows[0]?.n ?? 0) === 0) return;
    if (Date.now() > until) throw new Error('TimescaleDB jobs still running after 60 s');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** 'DE' + 31 uppercase alphanumerics, deterministic from n. */
export function meterId(n: number): string {
  return `DE${String(n).padStart(31, '0')}`;
}

/** 2 substations x 2 feeders x 2 secondary substations, `meters` meter points spread round-robin. */
/** smallTopology(meters) with one 200 kWh battery (BAT-0001) behind `stationId`, metered at `storageMeterId`. */
export function smallTopologyWithBattery(
  meters: number,
  stationId: string,
  storageMeterId: string,
): TopologySnapshot {
  return {
    ...smallTopology(meters),
    batteries: [
      {
        assetId: 'BAT-0001',
        secondarySubstationId: stationId,
        meterPointId: storageMeterId,
        nominalCapacityWh: 200_000,
      },
    ],
  };
}

export function smallTopology(meters: number): TopologySnapshot {
  const substations = ['UW-01', 'UW-02'].map((id) => ({
    substationId: id,
    name: `Umspannwerk ${id}`,
    ratedMva: 40,
  }));
  const feeders = substations.flatMap((s) =>
    [1, 2].map((i) => ({
      feederId: `${s.substationId}-F0${i}`,
      substationId: s.substationId,
      name: `Abgang ${i}`,
    })),
  );
  const secondarySubstations = feeders.flatMap((f) =>
    [1, 2].map((i) => ({
      secondarySubstationId: `${f.feederId}-ONS${i}`,
      feederId: f.feederId,
      name: `ONS ${i}`,
      ratedKva: 630,
    })),
  );
  const communities = [
    { communityId: 'EG-0001', name: 'Energiegemeinschaft Gohlis', feederId: feeders[0]?.feederId ?? null },
  ];
  const meterPoints = Array.from({ length: meters }, (_, i) => ({
    meterPointId: meterId(i),
    secondarySubstationId: secondarySubstations[i % secondarySubstations.length]?.secondarySubstationId ?? '',
    customerType: i % 3 === 0 ? 'household-pv' : 'household',
    profile: i % 3 === 0 ? 'P25' : 'H25',
    annualConsumptionWh: 3_000_000 + i,
    pvPeakW: i % 3 === 0 ? 8000 : null,
    communityId: i % 5 === 0 ? 'EG-0001' : null,
  }));
  const batteries = [
    {
      assetId: 'BAT-0001',
      secondarySubstationId: secondarySubstations[0]?.secondarySubstationId ?? '',
      nominalCapacityWh: 200_000,
    },
  ];
  return { substations, feeders, secondarySubstations, communities, meterPoints, batteries };
}

const QH = 15 * 60_000;

/** PT15M readings for meters [from, to) over `intervals` quarter hours starting at `start`. */
export function quarterHourReadings(
  start: Date,
  intervals: number,
  meterFrom: number,
  meterTo: number,
  tag = 'e',
): ReadingRow[] {
  const rows: ReadingRow[] = [];
  for (let k = 0; k < intervals; k++) {
    const s = new Date(start.getTime() + k * QH);
    const e = new Date(s.getTime() + QH);
    for (let m = meterFrom; m < meterTo; m++) {
      const imp = (m * 7 + k * 13) % 400;
      const exp = m % 3 === 0 ? (m * 11 + k * 5) % 300 : 0;
      rows.push({
        eventId: `${tag}-${m}-${s.getTime()}`,
        meterPointId: meterId(m),
        intervalStart: s.toISOString(),
        intervalEnd: e.toISOString(),
        resolution: 'PT15M',
        importWh: imp,
        exportWh: exp,
        registerImportWh: 1_000_000 + k * 400,
        registerExportWh: 500_000 + k * 300,
        quality: k % 10 === 0 ? 'estimated' : 'measured',
      });
    }
  }
  return rows;
}

/** PT1M readings of one meter for `minutes` minutes from `start`. */
export function minuteReadings(start: Date, minutes: number, meter: number, tag = 'm'): ReadingRow[] {
  return Array.from({ length: minutes }, (_, k) => {
    const s = new Date(start.getTime() + k * 60_000);
    return {
      eventId: `${tag}-${meter}-${s.getTime()}`,
      meterPointId: meterId(meter),
      intervalStart: s.toISOString(),
      intervalEnd: new Date(s.getTime() + 60_000).toISOString(),
      resolution: 'PT1M' as const,
      importWh: (k * 3) % 20,
      exportWh: k % 4,
      registerImportWh: 10_000 + k,
      registerExportWh: 5_000 + k,
      quality: 'measured' as const,
    };
  });
}
