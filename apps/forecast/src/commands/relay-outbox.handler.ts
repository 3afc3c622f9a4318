import { relayOutbox } from '@gridwerk/forecast/data-access';
import { type CliCommand, EXIT_OK, parseFlags } from './cli-command';
import { withJobContext } from './job-context';
import { type FlagTable, helpText } from '@gridwerk/shared/util-config';

const FLAGS = {
  json: { kind: 'boolean', help: 'print one JSON object on stdout' },
  help: { kind: 'boolean', help: 'show this help' },
} as const satisfies FlagTable;

const USAGE = helpText({
  usage: 'Usage: npm run forecast -- relay [--json]',
  description: `Publishes unpublished forecast_outbox rows to Kafka (grid.forecasts.v1, key = series id) and marks them
published. Safe to run repeatedly and concurrently; consumers de-duplicate by the CloudEvents id.`,
  flags: FLAGS,
  footer: 'Exit codes: 0 ok, 2 usage or configuration error, 1 unexpected error (e.g. Kafka unreachable).',
});

export const relayCommand: CliCommand = {
  name: 'relay',
  summary: 'publish unpublished forecast events from the outbox to Kafka',
  usage: USAGE,
  run: async (argv, io) => {
    const f = parseFlags(argv, FLAGS);
    if (f['help'] === true) {
      io.out(USAGE);
      return EXIT_OK;
    }
    const result = await withJobContext(io, { migrate: false, tf: false }, async (ctx) => {
      const r = await relayOutbox(ctx.db, ctx.publisher);
      ctx.log.info('outbox relayed', { published: r.published });
      return r;
    });
    io.out(f['json'] === true ? JSON.stringify(result) : `${result.published} events published`);
    return EXIT_OK;
  },
};
