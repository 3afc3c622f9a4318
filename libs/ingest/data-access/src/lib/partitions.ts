import { queryRows, quoteIdent, SqlExecutor } from './db';
import { detectStorageMode } from './storage-mode';
import { RAW_RETENTION_DAYS } from './storage-settings';

/**
 * Creates the missing native partitions covering [from, to] (daily for meter_reading, weekly for
 * battery_telemetry) and returns how many it created. A no-op returning 0 in TimescaleDB mode (chunks
 * appear on insert). Cheap when the partitions exist: one catalog lookup per day, no lock.
 * Call it outside the write transaction: partition DDL should not hold locks while a batch is written.
 */
export async function ensurePartitions(db: SqlExecutor, from: Date, to: Date): Promise<number> {
  for (let attempt = 1; ; attempt++) {
    try {
      const [row] = await queryRows<{ created: number }>(db, 'SELECT ensure_partitions($1, $2) AS created', [
        from,
        to,
      ]);
      return row?.created ?? 0;
    } catch (err) {
      // Two writers creating the same new day at once: the loser sees duplicate_table (or the catalog's
      // unique violation on pg_type). The partition exists now, so checking again is all it takes.
      const code = typeof err === 'object' && err !== null && 'code' in err ? String(err.code) : '';
      if (attempt < 3 && (code === '42P07' || code === '23505')) continue;
      throw err;
    }
  }
}

const PARTITION_NAME = /^(meter_reading|meter_reading_revision|battery_telemetry)_p(\d{4})(\d{2})(\d{2})$/;
const STEP_DAYS: Record<string, number> = {
  meter_reading: 1,
  meter_reading_revision: 1,
  battery_telemetry: 7,
};

/** The DEFAULT partitions and their time column: rows no daily or weekly partition covers. */
const DEFAULT_PARTITIONS = [
  { table: 'meter_reading_default', column: 'interval_start' },
  { table: 'meter_reading_revision_default', column: 'interval_start' },
  { table: 'battery_telemetry_default', column: 'time' },
] as const;

/**
 * Native mode retention: drops the raw partitions that end before `now - retentionDays`, and deletes the
 * rows older than that from the DEFAULT partitions (readings from 1970 would otherwise sit there for
 * ever: no partition of theirs is ever created, so none is ever dropped). Rollups stay (they are the
 * long-term record, as continuous aggregates outlive dropped chunks in TimescaleDB). Returns the names
 * dropped; a no-op in TimescaleDB mode, where add_retention_policy does this.
 */
export async function dropExpiredPartitions(
  db: SqlExecutor,
  now: Date = new Date(),
  retentionDays = RAW_RETENTION_DAYS,
): Promise<string[]> {
  if ((await detectStorageMode(db)) !== 'native-partitioning') return [];
  const cutoff = now.getTime() - retentionDays * 86_400_000;
  const parts = await queryRows<{ name: string }>(
    db,
    `SELECT c.relname AS name
       FROM pg_inherits i
       JOIN pg_class c ON c.oid = i.inhrelid
      WHERE i.inhparent IN ('meter_reading'::regclass, 'battery_telemetry'::regclass)
         OR i.inhparent = to_regclass('meter_reading_revision')`,
  );
  const dropped: string[] = [];
  for (const { name } of parts) {
    const m = PARTITION_NAME.exec(name);
    if (!m) continue;
    const [, parent, y, mo, d] = m as unknown as [string, string, string, string, string];
    const end = Date.UTC(Number(y), Number(mo) - 1, Number(d)) + (STEP_DAYS[parent] ?? 1) * 86_400_000;
    if (end <= cutoff) {
      await queryRows(db, `DROP TABLE ${quoteIdent(name)}`);
      dropped.push(name);
    }
  }
  for (const d of DEFAULT_PARTITIONS) {
    const [exists] = await queryRows<{ present: boolean }>(
      db,
      'SELECT to_regclass($1) IS NOT NULL AS present',
      [d.table],
    );
    if (exists?.present)
      await queryRows(db, `DELETE FROM ${quoteIdent(d.table)} WHERE ${quoteIdent(d.column)} < $1`, [
        new Date(cutoff),
      ]);
  }
  return dropped.sort();
}
