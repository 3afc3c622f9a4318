import { Pool, type PoolClient, type QueryResultRow } from 'pg';
import { DataSource } from 'typeorm';
import { postgresDataSourceOptions } from '@gridwerk/shared/data-access-database';
import { GRID_API_MIGRATIONS } from './migrations';

/** A pool or a client inside a transaction: repositories work with both. */
export type Queryable = Pool | PoolClient;

export async function rows<T extends QueryResultRow>(
  db: Queryable,
  sql: string,
  params: unknown[] = [],
): Promise<T[]> {
  const res = await db.query<T>(sql, params);
  return res.rows;
}

/** Applies grid-api's migrations (explicit, never synchronize); returns the names of those it ran. */
export async function runGridApiMigrations(
  url: string,
  applicationName = 'gridwerk-grid-api',
): Promise<string[]> {
  const ds = new DataSource(
    postgresDataSourceOptions({ url, applicationName, migrations: GRID_API_MIGRATIONS, poolMax: 1 }),
  );
  await ds.initialize();
  try {
    const ran = await ds.runMigrations({ transaction: 'each' });
    return ran.map((m) => m.name);
  } finally {
    await ds.destroy();
  }
}

export function createGridApiPool(url: string, max = 10, applicationName = 'gridwerk-grid-api'): Pool {
  return new Pool({
    connectionString: url,
    max,
    application_name: applicationName,
    connectionTimeoutMillis: 5_000,
  });
}

export const iso = (d: Date | string | null | undefined): string | null =>
  d === null || d === undefined ? null : new Date(d).toISOString();
