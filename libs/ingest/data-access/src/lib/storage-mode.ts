import { queryRows, SqlExecutor } from './db';
import type { StorageMode } from './types';

export interface StorageModeDecision {
  mode: StorageMode;
  /** Why, for ingest_schema_info and the operator's eyes. */
  reason: string;
}

/**
 * Decides at migration time whether TimescaleDB can be used. Its control files being installed
 * (pg_available_extensions) is not enough: CREATE EXTENSION fails unless the library is preloaded, so a
 * server with the package but without `shared_preload_libraries = 'timescaledb'` falls back to native
 * partitioning instead of failing the migration.
 */
export async function decideStorageMode(db: SqlExecutor): Promise<StorageModeDecision> {
  const [row] = await queryRows<{ available: boolean; installed: boolean; preloaded: boolean }>(
    db,
    `SELECT EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb') AS available,
            EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'timescaledb') AS installed,
            coalesce(current_setting('shared_preload_libraries', true), '') LIKE '%timescaledb%' AS preloaded`,
  );
  if (row?.installed) return { mode: 'timescaledb', reason: 'timescaledb extension installed' };
  if (row?.available && row.preloaded)
    return { mode: 'timescaledb', reason: 'timescaledb extension available and preloaded' };
  if (row?.available)
    return {
      mode: 'native-partitioning',
      reason: 'timescaledb available but not in shared_preload_libraries',
    };
  return { mode: 'native-partitioning', reason: 'timescaledb extension not available' };
}

/** The storage mode the migrations chose for this database (recorded in ingest_schema_info). */
export async function detectStorageMode(db: SqlExecutor): Promise<StorageMode> {
  const rows = await queryRows<{ value: string }>(
    db,
    `SELECT value FROM ingest_schema_info WHERE key = 'storage_mode'`,
  );
  const value = rows[0]?.value;
  if (value === 'timescaledb' || value === 'native-partitioning') return value;
  throw new Error(
    `INGEST.SCHEMA_NOT_MIGRATED: ingest_schema_info has no valid storage_mode (got ${String(value)}); run INGEST_MIGRATIONS first`,
  );
}

/** `2.23.1` → [2, 23, 1]; pre-release suffixes (`2.30.0-dev`) count as their release. */
function versionParts(v: string): number[] {
  return (v.split('-')[0] ?? v).split('.').map((p) => Number(p) || 0);
}

/** Negative, 0 or positive as a is older than, equal to or newer than b. */
export function compareVersions(a: string, b: string): number {
  const pa = versionParts(a);
  const pb = versionParts(b);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** Throws INGEST.TIMESCALEDB_TOO_OLD with what is installed, what is needed and how to update. */
export function assertSupportedTimescaleVersion(installed: string, minimum: string): void {
  if (compareVersions(installed, minimum) < 0)
    throw new Error(
      `INGEST.TIMESCALEDB_TOO_OLD: TimescaleDB ${installed} is installed, the ingest schema needs ${minimum} or newer ` +
        `(its rollups rely on refresh_continuous_aggregate(..., force) and on altering the jobs of hierarchical ` +
        `continuous aggregates). Install a newer timescaledb package, run ALTER EXTENSION timescaledb UPDATE in ` +
        `this database, then migrate again.`,
    );
}

/** The version of the timescaledb extension installed in this database (undefined when none is). */
export async function installedTimescaleVersion(db: SqlExecutor): Promise<string | undefined> {
  const rows = await queryRows<{ v: string }>(
    db,
    `SELECT extversion AS v FROM pg_extension WHERE extname = 'timescaledb'`,
  );
  return rows[0]?.v;
}
