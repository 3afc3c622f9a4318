import {
  type TrainForecastModelsCommand,
  type TrainSummary,
  TrainForecastModelsUseCase,
} from '@gridwerk/forecast/data-access';
import { type CliCommand, type CliIo, EXIT_OK, EXIT_SOME_SERIES_FAILED, parseFlags } from './cli-command';
import {
  SERIES_FLAGS,
  SERIES_USAGE,
  type SeriesSelection,
  instantFlag,
  intFlag,
  parseSeriesSelection,
} from './job-flags';
import { withJobContext } from './job-context';

const USAGE = `Usage: npm run forecast -- train (--series IDS | --all) [options]

Backtests and trains a model per series on the load in the rollup views, stores it as a versioned artefact
with its backtest metrics, and promotes it only if its MAE beats the best baseline's. Runs the migrations.
Idempotent: the same series, horizon, cut-off and data give the same version; a rerun changes nothing.

${SERIES_USAGE}
  --until ISO             train on data known at this instant (default: now floored to 15 min;
                          custom series: the end of the CSV)
  --history-days N        days of history before --until (default: 120)
  --folds N               rolling-origin backtest folds (default: 4)
  --seed N                seed (default: 42)
  --max-epochs N          training epochs at most (default: 60, early stopping)

Exit codes: 0 all series trained (promoted or not), 3 some series could not be trained (named in the log),
2 usage or configuration error, 1 unexpected error.`;

const FLAGS = {
  ...SERIES_FLAGS,
  until: 'value',
  'history-days': 'value',
  folds: 'value',
  seed: 'value',
  'max-epochs': 'value',
} as const;

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
        : `${r.seriesId}: ${r.status} ${r.version ?? ''} — MAE ${r.modelMae?.toFixed(1) ?? '?'} Wh vs ${r.bestBaseline ?? '?'} ${r.bestBaselineMae?.toFixed(1) ?? '?'} Wh`,
  );
  return [
    ...lines,
    `${s.promoted} promoted, ${s.notPromoted} not promoted, ${s.unchanged} unchanged, ${s.failed} failed (horizon ${s.horizon}, until ${s.until})`,
  ].join('\n');
}

export async function runTrainCommand(cmd: TrainCliCommand, io: CliIo): Promise<number> {
  const summary = await withJobContext(io, { migrate: true, tf: true }, (ctx) => {
    const { selection, ...rest } = cmd;
    return new TrainForecastModelsUseCase(ctx.db, ctx.seriesDb, ctx.log).execute({
      ...rest,
      dayAheadIssueMinute: ctx.config.dayAheadIssueMinute,
      custom: selection.custom,
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
    return EXIT_SOME_SERIES_FAILED;
  }
  return EXIT_OK;
}

export const trainCommand: CliCommand = {
  name: 'train',
  summary: 'backtest, train, store and (if it beats the baselines) promote a model per series',
  usage: USAGE,
  run: async (argv, io) => {
    const cmd = parseTrainCommand(argv);
    if (cmd === undefined) {
      io.out(USAGE);
      return EXIT_OK;
    }
    return runTrainCommand(cmd, io);
  },
};
