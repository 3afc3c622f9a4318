import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Pool, PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { CopyValue, copyTextChunks } from './copy-text';
import { INVALIDATE_GIVEN_HOURS_SQL, INVALIDATE_TOUCHED_HOURS_SQL } from './load-rollup.sql';
import {
  APPLY_CURRENT_VALUES_SQL,
  CORRECTION_SAMPLES_SQL,
  INSERT_VERSIONS_SQL,
  MATERIALISE_FIRST_VERSIONS_SQL,
  VERSIONS_INSERTED_SQL,
} from './reading-versions.sql';
import { ensurePartitions } from './partitions';
import { ReadingCopyBatch } from './reading-copy-batch';
import { detectStorageMode } from './storage-mode';
import { PARTITIONS_AHEAD_DAYS, RAW_RETENTION_DAYS } from './storage-settings';
import type {
  CorrectionSample,
  ReadingRow,
  ReadingWriteResult,
  StorageMode,
  TelemetryRow,
  WriteResult,
} from './types';

const DAY_MS = 86_400_000;

// Per-connection staging tables: created once per pooled connection, emptied at every commit.
// Temporary tables are neither WAL-logged nor shared, so COPY into them is the cheapest way in.
// `ord` numbers the rows in COPY order, i.e. in Kafka offset order: the arrival order of versions.
const STAGE_READING_DDL = `
CREATE TEMP TABLE IF NOT EXISTS ingest_stage_reading (
  meter_point_id text, interval_start timestamptz, interval_end timestamptz, resolution text,
  import_wh bigint, export_wh bigint, register_import_wh bigint, register_export_wh bigint,
  quality text, event_id text, ord bigint GENERATED ALWAYS AS IDENTITY
) ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS ingest_stage_touched (
  meter_point_id text, interval_start timestamptz, versions integer, existed boolean
) ON COMMIT DELETE ROWS`;
const READING_COLUMNS = `meter_point_id, interval_start, interval_end, resolution, import_wh, export_wh,
  register_import_wh, register_export_wh, quality, event_id`;
/** COPY of readings straight into meter_reading (first versions), in ReadingCopyBatch's columns. */
export const COPY_READING_DIRECT = `COPY meter_reading (${READING_COLUMNS}) FROM STDIN`;
/** After a direct COPY met a duplicate, this many batches go the staging way (a replay tends to continue). */
const STAGED_AFTER_CONFLICT = 20;
const COPY_READING = `COPY ingest_stage_reading (meter_point_id, interval_start, interval_end, resolution, import_wh, export_wh,
  register_import_wh, register_export_wh, quality, event_id) FROM STDIN`;

const STAGE_TELEMETRY_DDL = `
CREATE TEMP TABLE IF NOT EXISTS ingest_stage_telemetry (
  asset_id text, time timestamptz, soc_pct real, power_w integer, usable_capacity_wh bigint,
  soh_pct real, temperature_c real, mode text, event_id text
) ON COMMIT DELETE ROWS`;
const COPY_TELEMETRY = `COPY ingest_stage_telemetry (asset_id, time, soc_pct, power_w, usable_capacity_wh, soh_pct, temperature_c, mode, event_id) FROM STDIN`;
const INSERT_TELEMETRY_SQL = `
WITH ins AS (
  INSERT INTO battery_telemetry (asset_id, time, soc_pct, power_w, usable_capacity_wh, soh_pct, temperature_c, mode, event_id)
  SELECT asset_id, time, soc_pct, power_w, usable_capacity_wh, soh_pct, temperature_c, mode, event_id
    FROM ingest_stage_telemetry
  ON CONFLICT (asset_id, time) DO NOTHING
  RETURNING 1
)
SELECT (SELECT count(*) FROM ins)::integer AS inserted`;

/** SQLSTATEs after which the whole (idempotent) transaction is simply run again. */
const RETRYABLE = new Set(['40P01' /* deadlock_detected */, '40001' /* serialization_failure */]);

export interface MeterReadingWriterOptions {
  /** Skip detection (ingest_schema_info) when the caller knows the mode. */
  storageMode?: StorageMode;
  /**
   * Native mode: before a batch, create the daily partitions its rows need (default true). Only for days
   * within [now - retention, now + PARTITIONS_AHEAD_DAYS]; rows outside land in the DEFAULT partition.
   */
  autoPartition?: boolean;
  /** Attempts on deadlock / serialization failure (default 3). */
  maxAttempts?: number;
  /** Clock, for tests. */
  now?: () => Date;
}

const TELEMETRY_VALUES = (t: TelemetryRow): CopyValue[] => [
  t.assetId,
  t.time,
  t.stateOfChargePct,
  t.powerW,
  t.usableCapacityWh,
  t.stateOfHealthPct,
  t.temperatureC,
  t.mode,
  t.eventId,
];

/** Distinct UTC day numbers of instants; ISO strings ending in Z are read without a Date allocation. */
function utcDays<T>(rows: readonly T[], instantOf: (row: T) => string | Date): number[] {
  const days = new Set<number>();
  let prefix = '';
  for (const row of rows) {
    const v = instantOf(row);
    if (typeof v === 'string' && v.length >= 10 && v.endsWith('Z')) {
      if (prefix !== '' && v.startsWith(prefix)) continue;
      prefix = v.slice(0, 10);
      days.add(
        Math.floor(
          Date.UTC(Number(v.slice(0, 4)), Number(v.slice(5, 7)) - 1, Number(v.slice(8, 10))) / DAY_MS,
        ),
      );
    } else {
      prefix = '';
      days.add(Math.floor(new Date(v).getTime() / DAY_MS));
    }
  }
  return [...days];
}

/**
 * Writes raw series in one transaction per call. Readings first try COPY straight into meter_reading
 * (the common case: new data, one write per reading); if that meets a duplicate key, the batch goes through
 * a temporary staging table and INSERT ... SELECT ... ON CONFLICT DO NOTHING, so that replays and
 * duplicates store nothing twice, and versions other than the first start the reading's history in
 * meter_reading_revision. In native mode the transaction also records the touched hours for refreshRollups().
 * When the promise resolves the batch is durable: the caller may commit its Kafka offsets.
 */
export class MeterReadingWriter {
  private mode: Promise<StorageMode> | undefined;
  private readonly staged = new WeakSet<PoolClient>();
  private readonly knownDays = new Set<number>();
  private readonly autoPartition: boolean;
  private readonly maxAttempts: number;
  private readonly now: () => Date;
  private stagedBatchesLeft = 0;

  constructor(
    private readonly pool: Pool,
    options: MeterReadingWriterOptions = {},
  ) {
    if (options.storageMode) this.mode = Promise.resolve(options.storageMode);
    this.autoPartition = options.autoPartition ?? true;
    this.maxAttempts = options.maxAttempts ?? 3;
    this.now = options.now ?? (() => new Date());
  }

  storageMode(): Promise<StorageMode> {
    this.mode ??= detectStorageMode(this.pool).catch((err: unknown) => {
      this.mode = undefined;
      throw err;
    });
    return this.mode;
  }

  /**
   * Stores a batch of readings in one transaction. Each row is one of: a first version of its (meter,
   * interval) (`inserted`), a new version of one already stored (`corrections`; it becomes current when it
   * wins by precedence: measured > substituted > estimated, among equal quality the latest), or a
   * `duplicate` (an event id already stored for that interval, or a version identical in every value).
   */
  async writeReadings(readings: readonly ReadingRow[] | ReadingCopyBatch): Promise<ReadingWriteResult> {
    const batch = readings instanceof ReadingCopyBatch ? readings : ReadingCopyBatch.of(readings);
    if (batch.length === 0) return { inserted: 0, duplicates: 0, corrections: 0, correctionsApplied: 0 };
    const mode = await this.storageMode();
    if (mode === 'native-partitioning') await this.ensureDays(batch.days());
    if (this.stagedBatchesLeft > 0) this.stagedBatchesLeft -= 1;
    else {
      const direct = await this.writeReadingsDirect(batch, mode);
      if (direct !== undefined) return direct;
      this.stagedBatchesLeft = STAGED_AFTER_CONFLICT;
    }
    return this.writeReadingsStaged(batch, mode);
  }

  /** The general path: staging table, versions de-duplicated into the history, current values upserted. */
  private async writeReadingsStaged(batch: ReadingCopyBatch, mode: StorageMode): Promise<ReadingWriteResult> {
    const rows = batch.length;
    return this.withClient(async (client) => {
      await pipeline(Readable.from(batch.chunks()), client.query(copyFrom(COPY_READING)));
      await client.query(MATERIALISE_FIRST_VERSIONS_SQL);
      await client.query(INSERT_VERSIONS_SQL);
      const versions =
        (await client.query<{ versions: number }>(VERSIONS_INSERTED_SQL)).rows[0]?.versions ?? 0;
      if (versions === 0) return { inserted: 0, duplicates: rows, corrections: 0, correctionsApplied: 0 };
      type Applied = { new_keys: number; written: number; applied: number };
      const applied = (await client.query<Applied>(APPLY_CURRENT_VALUES_SQL)).rows[0] ?? {
        new_keys: 0,
        written: 0,
        applied: 0,
      };
      const corrections = versions - applied.new_keys;
      const samples =
        corrections > 0
          ? (await client.query<CorrectionSample>(CORRECTION_SAMPLES_SQL)).rows.map((r) => ({
              ...r,
              intervalStart: new Date(r.intervalStart).toISOString(),
            }))
          : [];
      // Native mode: the touched hours need their rollups recomputed; TimescaleDB's caggs track that themselves.
      if (mode === 'native-partitioning' && applied.written > 0)
        await client.query(INVALIDATE_TOUCHED_HOURS_SQL);
      return {
        inserted: applied.new_keys,
        duplicates: rows - versions,
        corrections,
        correctionsApplied: applied.applied,
        ...(samples.length > 0 ? { correctionSamples: samples } : {}),
      };
    });
  }

  async writeTelemetry(rows: readonly TelemetryRow[]): Promise<WriteResult> {
    if (rows.length === 0) return { inserted: 0, duplicates: 0 };
    if ((await this.storageMode()) === 'native-partitioning')
      await this.ensureDays(utcDays(rows, (r) => r.time));
    const inserted = await this.withClient(async (client) => {
      await pipeline(
        Readable.from(copyTextChunks(rows, TELEMETRY_VALUES)),
        client.query(copyFrom(COPY_TELEMETRY)),
      );
      return (await client.query<{ inserted: number }>(INSERT_TELEMETRY_SQL)).rows[0]?.inserted ?? 0;
    });
    return { inserted, duplicates: rows.length - inserted };
  }

  /**
   * The fast path for clean data: COPY straight into meter_reading inside a savepoint. A duplicate key
   * (a replay, a duplicate inside the batch) aborts the COPY: the savepoint is rolled back and
   * `undefined` tells the caller to take the de-duplicating staging path. Nothing half-written remains.
   */
  private async writeReadingsDirect(
    batch: ReadingCopyBatch,
    mode: StorageMode,
  ): Promise<ReadingWriteResult | undefined> {
    const client = await this.pool.connect();
    let broken = false;
    try {
      await client.query('BEGIN');
      try {
        await client.query('SAVEPOINT direct_copy');
        try {
          await pipeline(Readable.from(batch.chunks()), client.query(copyFrom(COPY_READING_DIRECT)));
        } catch (err) {
          if (sqlState(err) !== '23505') throw err;
          await client.query('ROLLBACK');
          return undefined;
        }
        // every row is the first and only version of its (meter, interval): no history to write
        // (meter_reading_revision gets it when a second version arrives; migration 1730000000700)
        if (mode === 'native-partitioning') await client.query(INVALIDATE_GIVEN_HOURS_SQL, [batch.hours()]);
        await client.query('COMMIT');
        return { inserted: batch.length, duplicates: 0, corrections: 0, correctionsApplied: 0 };
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {
          broken = true;
        });
        throw err;
      }
    } finally {
      client.release(broken);
    }
  }

  /** Creates the partitions of days not seen before by this writer, within the auto-partition window. */
  private async ensureDays(days: number[]): Promise<void> {
    if (!this.autoPartition) return;
    const today = Math.floor(this.now().getTime() / DAY_MS);
    let lo = Infinity;
    let hi = -Infinity;
    for (const d of days) {
      if (this.knownDays.has(d) || d < today - RAW_RETENTION_DAYS || d > today + PARTITIONS_AHEAD_DAYS)
        continue;
      if (d < lo) lo = d;
      if (d > hi) hi = d;
    }
    if (lo > hi) return;
    await ensurePartitions(this.pool, new Date(lo * DAY_MS), new Date(hi * DAY_MS));
    for (let d = lo; d <= hi; d++) this.knownDays.add(d);
  }

  /**
   * Runs `work` in one transaction on a pooled connection that has the staging tables; deadlocks and
   * serialization failures run it again (the work is idempotent), other errors are thrown.
   */
  private async withClient<R>(work: (client: PoolClient) => Promise<R>): Promise<R> {
    for (let attempt = 1; ; attempt++) {
      const client = await this.pool.connect();
      let broken = false;
      try {
        if (!this.staged.has(client)) {
          // outside the transaction: a rollback must not take the staging table with it
          await client.query(`${STAGE_READING_DDL}; ${STAGE_TELEMETRY_DDL}`);
          this.staged.add(client);
        }
        await client.query('BEGIN');
        try {
          const r = await work(client);
          await client.query('COMMIT');
          return r;
        } catch (err) {
          await client.query('ROLLBACK').catch(() => {
            broken = true;
          });
          throw err;
        }
      } catch (err) {
        if (attempt < this.maxAttempts && RETRYABLE.has(sqlState(err))) continue;
        throw err;
      } finally {
        client.release(broken);
      }
    }
  }
}

function sqlState(err: unknown): string {
  if (typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string')
    return err.code;
  return '';
}
