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
