import { Client } from 'pg';
import type { DataSourceOptions } from 'typeorm';
import { cfg } from '@gridwerk/shared/util-config';

/** The config fields every service that owns tables shares; spread into the app's config spec. */
export const databaseConfigSpec = {
  databaseUrl: cfg.url(
    'DATABASE_URL',
    'PostgreSQL/TimescaleDB connection URL',
    ['postgres', 'postgresql'],
    'postgres://postgres@127.0.0.1:5432/gridwerk',
  ),
  databasePoolMax: cfg.int('DATABASE_POOL_MAX', 'maximum connections in the pool', {
    min: 1,
    max: 200,
    default: 10,
  }),
};

export class DatabaseError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'DatabaseError';
  }
}

export function databaseName(url: string): string {
  const name = decodeURIComponent(new URL(url).pathname.replace(/^\//, ''));
  if (!name)
    throw new DatabaseError('DB.URL_WITHOUT_DATABASE', `database URL names no database: ${redactUrl(url)}`);
  return name;
}

export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparseable URL)';
  }
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

function maintenanceUrl(url: string): string {
  const u = new URL(url);
  u.pathname = '/postgres';
  return u.toString();
}

/** Creates the database named in `url` if it does not exist yet (needs CREATEDB on the server). */
export async function ensureDatabase(url: string): Promise<boolean> {
  const name = databaseName(url);
  const client = new Client({ connectionString: maintenanceUrl(url) });
  try {
    await client.connect();
  } catch (err) {
    throw new DatabaseError(
      'DB.UNREACHABLE',
      `cannot reach PostgreSQL at ${redactUrl(url)}: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (found.rowCount === 0) {
      await client.query(`CREATE DATABASE ${quoteIdent(name)}`);
      return true;
    }
    return false;
  } finally {
    await client.end();
  }
}

/** Refuses destructive test set-up on anything but a database whose name says it is for tests. */
export function assertTestDatabase(url: string): void {
  const name = databaseName(url);
  if (!/test/i.test(name)) {
    throw new DatabaseError(
      'DB.NOT_A_TEST_DATABASE',
      `refusing destructive test set-up on database "${name}": its name does not contain "test"`,
    );
  }
}

export async function dropDatabase(url: string): Promise<void> {
  assertTestDatabase(url);
  const client = new Client({ connectionString: maintenanceUrl(url) });
  await client.connect();
  try {
    // Pools resolve end() before their sockets have closed. Terminating those sessions (FORCE) makes the
    // closing clients emit 57P01 errors on pools nobody listens to any more, so let them go first (up to
    // 2 s) and force only what is still connected after that: a leak of the caller's.
    const name = databaseName(url);
    for (let waited = 0; waited < 2_000; waited += 20) {
      const r = await client.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
        [name],
      );
      if ((r.rows[0]?.n ?? 0) === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await client.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
  } finally {
    await client.end();
  }
}

/** TypeORM options for a service's own tables: explicit migrations, never synchronize. */
export function postgresDataSourceOptions(opts: {
  url: string;
  poolMax?: number;
  applicationName: string;
  migrations?: DataSourceOptions['migrations'];
  entities?: DataSourceOptions['entities'];
  migrationsTableName?: string;
}): DataSourceOptions {
  return {
    type: 'postgres',
    url: opts.url,
    applicationName: opts.applicationName,
    synchronize: false,
    migrationsRun: false,
    migrations: opts.migrations ?? [],
    entities: opts.entities ?? [],
    migrationsTableName: opts.migrationsTableName ?? 'typeorm_migrations',
    extra: { max: opts.poolMax ?? 10, connectionTimeoutMillis: 5_000 },
    logging: ['error'],
  };
}
