import type { Pool, PoolClient } from 'pg';
import type { DataSource, QueryRunner } from 'typeorm';

/** Anything this lib can run SQL on: a pg pool or client, a TypeORM DataSource or QueryRunner. */
export type SqlExecutor = Pool | PoolClient | DataSource | QueryRunner;

function isTypeOrm(db: SqlExecutor): db is DataSource | QueryRunner {
  // both have an EntityManager; a pg Pool or PoolClient has none (a type import keeps TypeORM unloaded)
  return 'manager' in db;
}

/** Runs one statement and returns its rows, typed by the caller (the SQL's column list is the contract). */
export async function queryRows<T>(db: SqlExecutor, sql: string, params: unknown[] = []): Promise<T[]> {
  if (isTypeOrm(db)) {
    return (await db.query(sql, params)) as T[];
  }
  const res = await db.query<T & object>(sql, params);
  return res.rows;
}

/** Quotes an SQL identifier (names built from constants or dates, never from input). */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
