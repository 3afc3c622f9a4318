/**
 * Applies a service's pending database migrations and exits: the command of the migration Jobs in
 * k8s/migrations, run before a rollout so that replicas never migrate concurrently (TypeORM takes no
 * lock). The forecast service migrates through its own CLI (`forecast migrate`); ingest has no CLI, so
 * its migrations run from here.
 *
 *   node dist/apps/ingest/migrate.js ingest          (the image; built by `nx run ingest:build`)
 *   node dist/apps/dispatch/migrate.js dispatch      (built by `nx run dispatch:build`)
 *   node dist/apps/udp-gateway/migrate.js udp-gateway (built by `nx run udp-gateway:build`)
 *   ts-node --transpile-only -r tsconfig-paths/register tools/k8s/migrate.ts ingest
 *
 * Exit codes: 0 applied (or nothing pending), 2 usage or configuration error, 1 migration failed.
 */
import { DataSource, type DataSourceOptions } from 'typeorm';
import { DISPATCH_MIGRATIONS } from '@gridwerk/dispatch/data-access';
import { INGEST_MIGRATIONS } from '@gridwerk/ingest/data-access';
import { UDP_MIGRATIONS } from '@gridwerk/udp/data-access';
import {
  databaseConfigSpec,
  postgresDataSourceOptions,
  redactUrl,
} from '@gridwerk/shared/data-access-database';
import {
  ConfigError,
  EXIT_FAILURE,
  EXIT_OK,
  EXIT_USAGE,
  helpText,
  loadConfig,
  parseCommandLine,
  UsageError,
} from '@gridwerk/shared/util-config';

/** What the migration Job's container may be given: the database fields of the platform spec. */
export const migrateConfigSpec = { ...databaseConfigSpec };

/** Services whose migrations this runner applies, by the name the Job passes. */
export const MIGRATIONS: Readonly<Record<string, NonNullable<DataSourceOptions['migrations']>>> = {
  ingest: INGEST_MIGRATIONS,
  dispatch: DISPATCH_MIGRATIONS,
  'udp-gateway': UDP_MIGRATIONS,
};

const FLAGS = { help: { kind: 'boolean', short: 'h', help: 'this help' } } as const;

export const MIGRATE_HELP = helpText({
  usage: `Usage: migrate <${Object.keys(MIGRATIONS).join('|')}>`,
  description: "Applies the service's pending database migrations to DATABASE_URL and exits.",
  flags: FLAGS,
  footer:
    'Environment: DATABASE_URL. Exit codes: 0 applied or up to date, 2 usage or configuration error, 1 failed.',
});

function log(level: 'info' | 'error', msg: string, extra: Record<string, unknown> = {}): void {
  process.stderr.write(
    `${JSON.stringify({ time: new Date().toISOString(), level, service: 'migrate', msg, ...extra })}\n`,
  );
}

export async function migrate(argv: readonly string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseCommandLine(argv, FLAGS, { positionals: true });
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    log('error', err.message);
    return EXIT_USAGE;
  }
  if (parsed.flags.help === true) {
    process.stdout.write(`${MIGRATE_HELP}\n`);
    return EXIT_OK;
  }
  const [service, ...rest] = parsed.positionals;
  const migrations = service === undefined ? undefined : MIGRATIONS[service];
  if (migrations === undefined || rest.length > 0) {
    log(
      'error',
      `usage: migrate <${Object.keys(MIGRATIONS).join('|')}>, got ${JSON.stringify(parsed.positionals)}`,
    );
    return EXIT_USAGE;
  }
  let config;
  try {
    config = loadConfig(`${service}-migrate`, migrateConfigSpec);
  } catch (err) {
    if (err instanceof ConfigError) {
      log('error', err.message);
      return EXIT_USAGE;
    }
    throw err;
  }
  const ds = new DataSource(
    postgresDataSourceOptions({
      url: config.databaseUrl,
      poolMax: 1,
      applicationName: `gridwerk-${service}-migrate`,
      migrations,
    }),
  );
  try {
    await ds.initialize();
    const ran = await ds.runMigrations({ transaction: 'each' });
    log('info', ran.length > 0 ? 'migrations applied' : 'schema up to date', {
      database: redactUrl(config.databaseUrl),
      migrations: ran.map((m) => m.name),
    });
    return EXIT_OK;
  } catch (err) {
    log('error', 'migration failed', {
      database: redactUrl(config.databaseUrl),
      error: err instanceof Error ? err.message : String(err),
    });
    return EXIT_FAILURE;
  } finally {
    if (ds.isInitialized) await ds.destroy();
  }
}

if (require.main === module) {
  void migrate(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
