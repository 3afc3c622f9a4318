import { runForecastMigrations } from '@gridwerk/forecast/data-access';
import { type CliCommand, EXIT_OK, parseFlags } from './cli-command';
import { loadForecastJobConfig } from './cli.config';
import { type FlagTable, helpText } from '@gridwerk/shared/util-config';

const FLAGS = { help: { kind: 'boolean', help: 'show this help' } } as const satisfies FlagTable;

const USAGE = helpText({
  usage: 'Usage: npm run forecast -- migrate',
  description: `Applies the forecast migrations (forecast_model, forecast_run, forecast_value, forecast_outbox) to
DATABASE_URL. train and run do this too; the service does it at start-up unless FORECAST_RUN_MIGRATIONS=false.`,
  flags: FLAGS,
  footer: 'Exit codes: 0 ok, 2 usage or configuration error, 1 unexpected error.',
});

export const migrateCommand: CliCommand = {
  name: 'migrate',
  summary: 'apply the forecast database migrations',
  usage: USAGE,
  run: async (argv, io) => {
    const f = parseFlags(argv, FLAGS);
    if (f['help'] === true) {
      io.out(USAGE);
      return EXIT_OK;
    }
    const ran = await runForecastMigrations(loadForecastJobConfig().databaseUrl);
    io.out(ran.length === 0 ? 'forecast schema is up to date' : `applied: ${ran.join(', ')}`);
    return EXIT_OK;
  },
};
