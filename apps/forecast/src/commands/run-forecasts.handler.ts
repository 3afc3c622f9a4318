import {
  type RunSummary,
  ForecastJobError,
  RunForecastsUseCase,
  checkIssueTime,
  defaultIssueTime,
  relayOutbox,
} from '@gridwerk/forecast/data-access';
import {
  type CliCommand,
  type CliIo,
  EXIT_OK,
  EXIT_SOME_SERIES_FAILED,
  EXIT_UNEXPECTED,
  UsageError,
  parseFlags,
} from './cli-command';
import {
  SERIES_FLAGS,
  type SeriesSelection,
  instantFlag,
  parseSeriesSelection,
  OUTPUT_FLAGS,
} from './job-flags';
import { withJobContext } from './job-context';
import { type FlagTable, helpText } from '@gridwerk/shared/util-config';

const FLAGS = {
  ...SERIES_FLAGS,
  'issue-time': {
    kind: 'value',
    arg: 'ISO',
    help: 'quarter-hour aligned (default: intraday = now floored to 15 min,\nday-ahead = today at FORECAST_DAY_AHEAD_ISSUE_AT, Europe/Berlin)',
  },
  ...OUTPUT_FLAGS,
} as const satisfies FlagTable;

const USAGE = helpText({
  usage: 'Usage: npm run forecast -- run (--series IDS | --all) [options]',
  description: `Forecasts each series with its promoted model at the issue time and commits the rows, the run record and
the grid.forecasts.v1 event (outbox) in one transaction, then relays the outbox to Kafka. Runs the
migrations. Idempotent: a series already issued for this horizon and issue time is left alone.`,
  flags: FLAGS,
  footer: `Exit codes: 0 all series issued (or issued before), 3 some series had no promoted model or could not be
forecast (named in the log), 2 usage or configuration error, 1 unexpected error (e.g. Kafka unreachable:
the forecasts are committed and the next run or relay publishes them).`,
});

export interface RunCliCommand {
  selection: SeriesSelection;
  issueTimeMs?: number;
}

export function parseRunCommand(argv: readonly string[]): RunCliCommand | undefined {
  const f = parseFlags(argv, FLAGS);
  if (f['help'] === true) return undefined;
  const selection = parseSeriesSelection(f);
  const issueTimeMs = instantFlag(f, 'issue-time');
  if (issueTimeMs !== undefined) {
    try {
      checkIssueTime(selection.horizon, issueTimeMs);
    } catch (e) {
      if (e instanceof ForecastJobError) throw new UsageError(`--issue-time: ${e.message}`);
      throw e;
    }
  }
  return { selection, ...(issueTimeMs === undefined ? {} : { issueTimeMs }) };
}

function formatSummary(s: RunSummary): string {
  const failed = s.results
    .filter((r) => r.status === 'failed')
    .map((r) => `${r.seriesId}: FAILED ${r.code ?? ''} ${r.message ?? ''}`);
  const fellBack = s.results
    .filter((r) => r.weatherFallback === true)
    .map(
      (r) =>
        `${r.seriesId}: weather missing, ${r.replaced?.inputsMissing ?? 0} of ${r.points ?? 0} points by the fallback baseline (flagged inputs-missing)`,
    );
  return [
    ...failed,
    ...fellBack,
    `${s.issued} issued, ${s.alreadyIssued} already issued, ${s.failed} failed; ${s.relay?.published ?? 0} events published (horizon ${s.horizon}, issue time ${s.issueTime}, ${s.seconds.total} s)`,
  ].join('\n');
}

export async function runRunCommand(cmd: RunCliCommand, io: CliIo): Promise<number> {
  let relayFailed: unknown;
  const summary = await withJobContext(io, { migrate: true, tf: true }, async (ctx) => {
    const useCase = new RunForecastsUseCase(
      ctx.db,
      ctx.seriesDb,
      ctx.log,
      undefined,
      Date.now,
      undefined,
      ctx.metrics,
    );
    const { selection } = cmd;
    const issueTimeMs =
      cmd.issueTimeMs ?? defaultIssueTime(selection.horizon, ctx.config.dayAheadIssueMinute, Date.now());
    try {
      const result = await useCase.execute({
        series: selection.series,
        horizon: selection.horizon,
        issueTimeMs,
        custom: selection.custom,
        weatherMaxAgeMs: ctx.config.weather.maxAgeMs,
      });
      // Relay separately: a broker outage must not hide that the forecasts were committed.
      try {
        const relay = await relayOutbox(ctx.db, ctx.publisher);
        ctx.log.info('outbox relayed', { published: relay.published });
        return { ...result, relay };
      } catch (e) {
        relayFailed = e;
        ctx.log.error(
          'outbox relay failed; the forecasts are committed and the next run or relay publishes them',
          {
            reason: e instanceof Error ? e.message : String(e),
          },
        );
        return result;
      }
    } finally {
      useCase.dispose();
    }
  });
  io.out(cmd.selection.json ? JSON.stringify(summary) : formatSummary(summary));
  if (relayFailed !== undefined) return EXIT_UNEXPECTED;
  if (summary.failed > 0) {
    io.err(
      `could not forecast: ${summary.results
        .filter((r) => r.status === 'failed')
        .map((r) => `${r.seriesId} (${r.code ?? ''})`)
        .join(', ')}`,
    );
    return EXIT_SOME_SERIES_FAILED;
  }
  return EXIT_OK;
}

export const runCommand: CliCommand = {
  name: 'run',
  summary: 'issue forecasts with the promoted models (rows + run record + outbox event), then relay',
  usage: USAGE,
  run: async (argv, io) => {
    const cmd = parseRunCommand(argv);
    if (cmd === undefined) {
      io.out(USAGE);
      return EXIT_OK;
    }
    return runRunCommand(cmd, io);
  },
};
