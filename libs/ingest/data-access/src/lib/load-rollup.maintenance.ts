import type { Pool } from 'pg';
import { withTransaction } from '@gridwerk/shared/data-access-database';
import {
  CAGG_REFRESH_ORDER,
  DELETE_INVALIDATIONS_SQL,
  PICK_INVALIDATED_HOURS_SQL,
  REFRESH_LOCK_SQL,
  DELETE_ROLLUP_RANGE_SQL,
  NOTIFY_ROLLUP_CHANGED_SQL,
  REBUILD_ROLLUP_RANGE_SQL,
} from './load-rollup.sql';
import { detectStorageMode } from './storage-mode';

const HOUR_MS = 3_600_000;

/**
 * Recomputes the load rollups of [from, to) (widened to whole hours) from the raw readings and the current
 * topology. Needed after readings arrived before their meter was known to the topology, or after a meter
 * moved; refreshRollups keeps the rollups exact otherwise.
 * Native mode: one transaction, writers wait meanwhile (SHARE ROW EXCLUSIVE on rollup_load).
 * TimescaleDB mode: refresh_continuous_aggregate with force on each cagg, lowest level first. Returns the window used.
 */
export async function rebuildLoadRollups(
  pool: Pool,
  from: Date,
  to: Date,
): Promise<{ from: Date; to: Date }> {
  const lo = new Date(Math.floor(from.getTime() / HOUR_MS) * HOUR_MS);
  const hi = new Date(Math.ceil(to.getTime() / HOUR_MS) * HOUR_MS);
  if ((await detectStorageMode(pool)) === 'timescaledb') {
    // CALL refresh_continuous_aggregate cannot run inside a transaction block: one autocommit call each,
    // lowest level first. `force`: continuous aggregates do not track the topology tables, so a meter
    // that joined or moved changes buckets that no invalidation marks; force recomputes the window.
    // The per-meter aggregates do not read the topology: a plain refresh applies what is invalidated.
    // A forced refresh is costly (measured on 2.28.3: 5 s per upper level for 24 meters over 65 days,
    // 10 times that over compressed chunks), so only the levels that join the topology are forced.
    for (const { view } of CAGG_REFRESH_ORDER) {
      const force = !view.startsWith('meter_energy');
      await retryWhileRefreshing(() =>
        pool.query(
          `CALL refresh_continuous_aggregate('${view}', $1::timestamptz, $2::timestamptz, force => ${force})`,
          [lo, hi],
        ),
      );
    }
    return { from: lo, to: hi };
  }
  await withTransaction(pool, async (client) => {
    await client.query('LOCK TABLE rollup_load IN SHARE ROW EXCLUSIVE MODE');
    await client.query(DELETE_ROLLUP_RANGE_SQL, [lo, hi]);
    await client.query(REBUILD_ROLLUP_RANGE_SQL, [lo, hi]);
    await client.query(NOTIFY_ROLLUP_CHANGED_SQL, [lo]);
  });
  return { from: lo, to: hi };
}

/**
 * The rollups of a window just written in bulk (an import's batch), brought up to date once for the whole
 * window. TimescaleDB: refresh_continuous_aggregate over [from, to) (widened to whole hours) on each
 * continuous aggregate, lowest level first, one call per level for the window. Native: refreshRollups,
 * which recomputes the hours the writes invalidated as contiguous runs, one statement per run.
 */
export async function refreshRollupWindow(pool: Pool, from: Date, to: Date): Promise<RefreshResult> {
  if ((await detectStorageMode(pool)) !== 'timescaledb') return refreshRollups(pool, { settleMs: 0 });
  const lo = new Date(Math.floor(from.getTime() / HOUR_MS) * HOUR_MS);
  const hi = new Date(Math.max(Math.ceil(to.getTime() / HOUR_MS) * HOUR_MS, lo.getTime() + HOUR_MS));
  for (const { view } of CAGG_REFRESH_ORDER)
    await retryWhileRefreshing(() =>
      pool.query(`CALL refresh_continuous_aggregate('${view}', $1::timestamptz, $2::timestamptz)`, [lo, hi]),
    );
  return { hours: (hi.getTime() - lo.getTime()) / HOUR_MS, buckets: 0 };
}

/**
 * TimescaleDB refuses a refresh of a continuous aggregate while another one runs on it (55P03), e.g. the
 * `ingest_refresh_rollups` job: wait for it (back-off up to 2 s, for at most `maxWaitMs`).
 */
export async function retryWhileRefreshing<T>(fn: () => Promise<T>, maxWaitMs = 120_000): Promise<T> {
  const until = Date.now() + maxWaitMs;
  for (let delay = 100; ; delay = Math.min(delay * 2, 2_000)) {
    try {
      return await fn();
    } catch (err) {
      const code = typeof err === 'object' && err !== null && 'code' in err ? err.code : undefined;
      if (code !== '55P03' || Date.now() + delay > until) throw err;
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}

/** Sorted whole hours -> maximal runs [from, to) of consecutive hours. */
export function contiguousHourRuns(hours: readonly Date[]): [Date, Date][] {
  const runs: [Date, Date][] = [];
  let lo = -1;
  let hi = -1;
  for (const h of [...hours].map((d) => d.getTime()).sort((a, b) => a - b)) {
    if (h === hi) hi += HOUR_MS;
    else if (h > hi) {
      if (lo >= 0) runs.push([new Date(lo), new Date(hi)]);
      lo = h;
      hi = h + HOUR_MS;
    }
  }
  if (lo >= 0) runs.push([new Date(lo), new Date(hi)]);
  return runs;
}

export interface RefreshResult {
  /** Hours recomputed. */
  hours: number;
  /** Rollup buckets written. */
  buckets: number;
}

/**
 * Native mode: recomputes the rollups of every hour the writers invalidated, from the raw rows, at most
 * `maxHoursPerTransaction` per transaction, until none is left. Each transaction runs in one REPEATABLE
 * READ snapshot: it recomputes from the readings that snapshot sees and deletes only the invalidations
 * that snapshot sees, so a batch committed meanwhile leaves its invalidation for the next refresh.
 * Exact under late data, replays and PT1M readings (meters_reporting is a real distinct count). Replicas
 * take turns (advisory lock); writers never wait for a refresh. TimescaleDB mode: nothing to do here
 * (the `ingest_refresh_rollups` job refreshes the continuous aggregates level by level, every minute).
 */
export interface RefreshOptions {
  /**
   * Hours claimed per transaction (default 168, a week). They are recomputed per contiguous run, one
   * set-based statement per run, so a backfill costs a few statements per week, not one per hour.
   */
  maxHoursPerTransaction?: number;
  /** An hour written to within this many ms waits for the next refresh (default 0: refresh at once). */
  settleMs?: number;
  /** ... unless its first pending invalidation is older than this (default 30 s). */
  maxStalenessMs?: number;
}

export async function refreshRollups(pool: Pool, opts: RefreshOptions | number = {}): Promise<RefreshResult> {
  const o = typeof opts === 'number' ? { maxHoursPerTransaction: opts } : opts;
  const maxHoursPerTransaction = o.maxHoursPerTransaction ?? 168;
  if ((await detectStorageMode(pool)) === 'timescaledb') return { hours: 0, buckets: 0 };
  const total: RefreshResult = { hours: 0, buckets: 0 };
  for (;;) {
    const hours = await withTransaction(
      pool,
      async (client) => {
        const locked = (await client.query<{ locked: boolean }>(REFRESH_LOCK_SQL)).rows[0]?.locked === true;
        if (!locked) return [];
        const picked = (
          await client.query<{ hour_start: Date }>(PICK_INVALIDATED_HOURS_SQL, [
            maxHoursPerTransaction,
            o.settleMs ?? 0,
            o.maxStalenessMs ?? 30_000,
          ])
        ).rows.map((r) => r.hour_start);
        for (const [lo, hi] of contiguousHourRuns(picked)) {
          // bounds are plan-time constants per run: the planner prunes to the run's daily partitions
          await client.query(DELETE_ROLLUP_RANGE_SQL, [lo, hi]);
          const ins = await client.query(REBUILD_ROLLUP_RANGE_SQL, [lo, hi]);
          total.buckets += ins.rowCount ?? 0;
        }
        if (picked.length > 0) {
          await client.query(DELETE_INVALIDATIONS_SQL, [picked]);
          // PICK_INVALIDATED_HOURS_SQL returns the hours in order: the first is the earliest rewritten
          await client.query(NOTIFY_ROLLUP_CHANGED_SQL, [picked[0]]);
        }
        return picked;
      },
      'REPEATABLE READ',
    );
    total.hours += hours.length;
    if (hours.length < maxHoursPerTransaction) return total;
  }
}
