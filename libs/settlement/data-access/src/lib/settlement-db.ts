import { Pool } from 'pg';
import { DataSource, type DataSourceOptions } from 'typeorm';
import { postgresDataSourceOptions } from '@gridwerk/shared/data-access-database';
import { SETTLEMENT_MIGRATIONS } from './migrations';

type Migrations = NonNullable<DataSourceOptions['migrations']>;

/**
 * Applies settlement's migrations (explicit, never synchronize) plus any given after them (the ledger
 * adapter's pending-transactions table); returns the names of those it ran.
 */
export async function runSettlementMigrations(
  url: string,
  extra: Migrations = [],
  applicationName = 'gridwerk-settlement',
): Promise<string[]> {
  const migrations = [...SETTLEMENT_MIGRATIONS, ...(Array.isArray(extra) ? extra : Object.values(extra))];
  const ds = new DataSource(
    postgresDataSourceOptions({
      url,
      applicationName,
      migrations: migrations,
      poolMax: 1,
      migrationsTableName: 'settlement_migrations',
    }),
  );
  await ds.initialize();
  try {
    const ran = await ds.runMigrations({ transaction: 'each' });
    return ran.map((m) => m.name);
  } finally {
    await ds.destroy();
  }
}

export function createSettlementPool(url: string, max = 6, applicationName = 'gridwerk-settlement'): Pool {
  const pool = new Pool({
    connectionString: url,
    max,
    application_name: applicationName,
    connectionTimeoutMillis: 5_000,
  });
  // bigint columns come back as strings; every amount here is far below 2^53, so numbers are exact.
  return pool;
}

/** Number of a bigint column (exact for |v| < 2^53, which all settlement quantities are). */
export const num = (v: string | number | null | undefined): number =>
  v === null || v === undefined ? 0 : Number(v);

export const iso = (d: Date | string): string => new Date(d).toISOString().replace('.000Z', 'Z');
