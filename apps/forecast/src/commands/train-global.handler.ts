import {
  type GlobalTrainSummary,
  type TrainGlobalModelCommand,
  TrainGlobalModelUseCase,
} from '@gridwerk/forecast/data-access';
import { type FlagTable, helpText } from '@gridwerk/shared/util-config';
import { type CliCommand, type CliIo, EXIT_OK, UsageError, parseFlags } from './cli-command';
import { OUTPUT_FLAGS, instantFlag, intFlag, parseHorizonFlag, parseSeriesOrAll } from './job-flags';
import { withJobContext } from './job-context';

const FLAGS = {
  global: { kind: 'boolean', help: 'train one global model for many series (this command)' },
  series: {
    kind: 'value',
    arg: 'IDS',
    help: 'comma-separated: feeder:<id>, substation:<id>, secondary-substation:<id>, grid',
  },
  all: { kind: 'boolean', help: 'every series with data in the rollup views' },
  horizon: { kind: 'value', arg: 'H', help: 'day-ahead | intraday (default: day-ahead)' },
  'shard-index': {
    kind: 'value',
    arg: 'I',
    help: "this shard, 0 ≤ I < N (an Indexed Job's completion index; default 0)",
  },
  'shard-count': {
    kind: 'value',
    arg: 'N',
    help: 'number of shards; a series belongs to shard hash(series id) mod N (default 1)',
  },
  until: {
    kind: 'value',
    arg: 'ISO',
    help: 'train on data known at this instant (default: now floored to 15 min)',
  },
  'history-days': {
    kind: 'value',
    arg: 'N',
    help: 'days of history before --until (default 70; lags need 21, the test period --test-days more)',
  },
  'test-days': {
    kind: 'value',
    arg: 'N',
    help: 'last days of the history the promotion backtest scores (default 7)',
  },
  'max-samples': {
    kind: 'value',
    arg: 'N',
    help: 'pooled training pairs at most, drawn evenly from the series (default 100000)',
  },
  seed: { kind: 'value', arg: 'N', help: 'seed (default: 42)' },
  'max-epochs': { kind: 'value', arg: 'N', help: 'training epochs at most (default: 60, early stopping)' },
  ...OUTPUT_FLAGS,
} as const satisfies FlagTable;

const USAGE = helpText({
  usage:
    'Usage: npm run forecast -- train --global (--series IDS | --all) [--shard-index I --shard-count N] [options]',
  description: `Trains ONE model for the series of this shard (M5-style global model): each series normalised by its own scale,
with static features from the grid topology (profile mix, PV per consumption, rating). A one-fold backtest over the
last --test-days scores it per series; the final model is trained on all history and stored once, each series gets its
own registry row and is promoted only where the backtest beats the persistence baselines and the series' promoted model.
Training time is bounded by --max-samples, whatever the number of series. Shards split the series without coordination:
run N processes (an Indexed Job) with --shard-index 0..N-1. Runs the migrations. Idempotent per shard and data.
Weather: with FORECAST_WEATHER_POINTS each series gets its point's forecasts by vintage, as in per-series training;
the model uses the weather columns every series of the shard has. Custom (CSV) series are not supported.`,
  flags: FLAGS,
  footer: `Exit codes: 0 trained (or unchanged), 2 usage or configuration error, 1 unexpected error.
Series that could not take part are listed as skipped with their reason.`,
});

/** Flags → typed command; throws UsageError naming the flag. Undefined for --help. */
export function parseTrainGlobalCommand(
  argv: readonly string[],
): (Omit<TrainGlobalModelCommand, 'dayAheadIssueMinute' | 'weather'> & { json: boolean }) | undefined {
  const f = parseFlags(argv, FLAGS);
  if (f['help'] === true) return undefined;
  const horizon = parseHorizonFlag(f);
  const series = parseSeriesOrAll(f);
  const custom = series === 'all' ? undefined : series.find((s) => s.kind === 'custom');
  if (custom !== undefined)
    throw new UsageError(`--series: ${custom.id}: custom series are not supported by --global`);
  const shardCount = intFlag(f, 'shard-count', 1, 1);
  const shardIndex = intFlag(f, 'shard-index', 0, 0);
  if (shardIndex >= shardCount)
    throw new UsageError(`--shard-index must be below --shard-count (${shardCount}), got ${shardIndex}`);
  const historyDays = intFlag(f, 'history-days', 70, 1);
  const testDays = intFlag(f, 'test-days', 7, 1);
  if (historyDays < testDays + 21)
    throw new UsageError(
      `--history-days must be at least --test-days + 21 (lags of 14 days, imputed from 7 more), got ${historyDays}`,
    );
  const untilMs = instantFlag(f, 'until');
  const maxEpochs = f['max-epochs'] === undefined ? undefined : intFlag(f, 'max-epochs', 60, 1);
  const maxSamples = f['max-samples'] === undefined ? undefined : intFlag(f, 'max-samples', 100_000, 100);
  return {
    series,
    horizon,
    historyDays,
    testDays,
    shardIndex,
    shardCount,
    seed: intFlag(f, 'seed', 42, 0),
    ...(untilMs === undefined ? {} : { untilMs }),
    ...(maxEpochs === undefined ? {} : { maxEpochs }),
    ...(maxSamples === undefined ? {} : { maxSamples }),
    json: f['json'] === true,
  };
}

function formatSummary(s: GlobalTrainSummary): string {
  const lines = s.results.map((r) =>
    r.status === 'skipped'
      ? `${r.seriesId}: skipped — ${r.reason}`
      : `${r.seriesId}: ${r.status} — MAE ${r.modelMae?.toFixed(1) ?? '?'} Wh vs ${r.bestBaseline ?? '?'} ${r.bestBaselineMae?.toFixed(1) ?? '?'} Wh${r.incumbentMae === undefined ? '' : `, promoted model ${r.incumbentMae.toFixed(1)} Wh`} (${r.reason})`,
  );
  return [
    ...lines,
    `global model ${s.version ?? '-'} (${s.status}): shard ${s.shard.index}/${s.shard.count}, ${s.series} series, ${s.promoted} promoted, ${s.notPromoted} not promoted, ${s.skipped} skipped; ${s.seconds.total} s (horizon ${s.horizon}, until ${s.until})`,
  ].join('\n');
}

export async function runTrainGlobal(argv: readonly string[], io: CliIo): Promise<number> {
  const cmd = parseTrainGlobalCommand(argv);
  if (cmd === undefined) {
    io.out(USAGE);
    return EXIT_OK;
  }
  const { json, ...command } = cmd;
  const summary = await withJobContext(io, { migrate: true, tf: true }, (ctx) =>
    new TrainGlobalModelUseCase(ctx.db, ctx.seriesDb, ctx.log, Date.now, ctx.metrics).execute({
      ...command,
      dayAheadIssueMinute: ctx.config.dayAheadIssueMinute,
      ...(ctx.config.weather === undefined ? {} : { weather: ctx.config.weather }),
    }),
  );
  io.out(json ? JSON.stringify(summary) : formatSummary(summary));
  return EXIT_OK;
}

/** `train --global` is dispatched here by the train command (see train-models.handler). */
export const trainGlobalCommand: Pick<CliCommand, 'usage' | 'run'> = {
  usage: USAGE,
  run: runTrainGlobal,
};
