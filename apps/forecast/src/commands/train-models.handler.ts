import {
  type TrainForecastModelsCommand,
  type TrainSummary,
  TrainForecastModelsUseCase,
} from '@gridwerk/forecast/data-access';
import { type CliCommand, type CliIo, EXIT_OK, EXIT_SOME_SERIES_FAILED, parseFlags } from './cli-command';
import {
  SERIES_FLAGS,
  type SeriesSelection,
  instantFlag,
  intFlag,
  parseSeriesSelection,
  OUTPUT_FLAGS,
} from './job-flags';
import { withJobContext } from './job-context';
import { trainGlobalCommand } from './train-global.handler';
import { type FlagTable, helpText } from '@gridwerk/shared/util-config';

const FLAGS = {
  ...SERIES_FLAGS,
  until: {
    kind: 'value',
    arg: 'ISO',
    help: 'train on data known at this instant (default: now floored to 15 min;\ncustom series: the end of the CSV)',
  },
  'history-days': {
    kind: 'value',
    arg: 'N',
    help: 'days of history before --until (default: 120; at least about 56 are needed:\n28 before the backtest and its 28-day test period)',
  },
  folds: { kind: 'value', arg: 'N', help: 'rolling-origin backtest folds (default: 4)' },
  seed: { kind: 'value', arg: 'N', help: 'seed (default: 42)' },
  'max-epochs': { kind: 'value', arg: 'N', help: 'training epochs at most (default: 60, early stopping)' },
  ...OUTPUT_FLAGS,
} as const satisfies FlagTable;

/** Days of history a series needs before train can backtest it (BACKTEST.TOO_LITTLE_HISTORY otherwise). */
export const TRAIN_MIN_HISTORY_DAYS = 56;

const USAGE = helpText({
  usage: 'Usage: npm run forecast -- train (--series IDS | --all) [options]',
  description: `Backtests and trains a model per series on the load in the rollup views, stores it as a versioned artefact
with its backtest metrics, and promotes it only if its MAE beats the best baseline's. Runs the migrations.
Idempotent: the same series, horizon, cut-off and data give the same version; a rerun changes nothing.
A series needs about ${TRAIN_MIN_HISTORY_DAYS} days of history (28 days before the backtest's 28-day test period).`,
  flags: FLAGS,
  footer: `With --global: one global model for many series, sharded (see train --global --help).
Exit codes: 0 all series trained (promoted or not), 3 some series could not be trained (named in the log),
2 usage or configuration error, 1 unexpected error.`,
});

/** What to do about a series that failed with this code, in terms of train's own flags. */
function adviseTrain(code: string): string | undefined {
  return code === 'BACKTEST.TOO_LITTLE_HISTORY'
    ? `a series needs about ${TRAIN_MIN_HISTORY_DAYS} days of history: load more (e.g. simulator --days 60) or lower --folds`
    : undefined;
}

export interface TrainCliCommand extends Omit<TrainForecastModelsCommand, 'dayAheadIssueMinute' | 'custom'> {
  selection: SeriesSelection;
}

/** Flags → typed command; throws UsageError naming the flag. Undefined for --help. */
export function parseTrainCommand(argv: readonly string[]): TrainCliCommand | undefined {
  const f = parseFlags(argv, FLAGS);
  if (f['help'] === true) return undefined;
  const selection = parseSeriesSelection(f);
  const untilMs = instantFlag(f, 'until');
  const maxEpochs = f['max-epochs'] === undefined ? undefined : intFlag(f, 'max-epochs', 60, 1);
  return {
    selection,
    series: selection.series,
    horizon: selection.horizon,
    ...(untilMs === undefined ? {} : { untilMs }),
    historyDays: intFlag(f, 'history-days', 120, 1),
    folds: intFlag(f, 'folds', 4, 1),
    seed: intFlag(f, 'seed', 42, 0),
    ...(maxEpochs === undefined ? {} : { maxEpochs }),
  };
}

function formatSummary(s: TrainSummary): string {
  const lines = s.results.map((r) =>
    r.status === 'failed'
      ? `${r.seriesId}: FAILED ${r.code ?? ''} ${r.message ?? ''}`
      : r.status === 'unchanged'
        ? `${r.seriesId}: unchanged (${r.version ?? ''} exists)`
        : `${r.seriesId}: ${r.status} ${r.version ?? ''} — MAE ${r.modelMae?.toFixed(1) ?? '?'} Wh vs ${r.bestBaseline ?? '?'} ${r.bestBaselineMae?.toFixed(1) ?? '?'} Wh${r.weatherPointId === undefined ? ', no weather' : `, weather of ${r.weatherPointId}`}`,
  );
  return [
    ...lines,
    `${s.promoted} promoted, ${s.notPromoted} not promoted, ${s.unchanged} unchanged, ${s.failed} failed (horizon ${s.horizon}, until ${s.until})`,
  ].join('\n');
}

export async function runTrainCommand(cmd: TrainCliCommand, io: CliIo): Promise<number> {
  const summary = await withJobContext(io, { migrate: true, tf: true }, (ctx) => {
    const { selection, ...rest } = cmd;
    return new TrainForecastModelsUseCase(ctx.db, ctx.seriesDb, ctx.log, Date.now, ctx.metrics).execute({
      ...rest,
      dayAheadIssueMinute: ctx.config.dayAheadIssueMinute,
      custom: selection.custom,
      weather: ctx.config.weather,
    });
  });
  io.out(cmd.selection.json ? JSON.stringify(summary) : formatSummary(summary));
  if (summary.failed > 0) {
    io.err(
      `could not train: ${summary.results
        .filter((r) => r.status === 'failed')
        .map((r) => `${r.seriesId} (${r.code ?? ''})`)
        .join(', ')}`,
    );
    const advice = new Set(
      summary.results.flatMap((r) => (r.status === 'failed' ? [adviseTrain(r.code ?? '')] : [])),
    );
    for (const a of advice) if (a !== undefined) io.err(a);
    return EXIT_SOME_SERIES_FAILED;
  }
  return EXIT_OK;
}

export const trainCommand: CliCommand = {
  name: 'train',
  summary: 'backtest, train, store and (if it beats the baselines) promote a model per series',
  usage: USAGE,
  advise: adviseTrain,
  run: async (argv, io) => {
    if (argv.includes('--global')) return trainGlobalCommand.run(argv, io);
    const cmd = parseTrainCommand(argv);
    if (cmd === undefined) {
      io.out(USAGE);
      return EXIT_OK;
    }
    return runTrainCommand(cmd, io);
  },
};
