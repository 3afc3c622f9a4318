import { readFileSync, writeFileSync } from 'node:fs';
import {
  type BacktestReport,
  type FeatureSelection,
  type ForecastMetrics,
  type Horizon,
  type SlpProfile,
  type TfBackendName,
  TF_BACKENDS,
  isTfBackendName,
  parseCsvSeries,
  parseFeatureSelection,
  parseHorizon,
  parseIsoTimestamp,
  renderBacktestHtml,
  runBacktest,
  useTfBackend,
} from '@gridwerk/forecast/domain';
import {
  type CliCommand,
  type CliIo,
  EXIT_INCOMPLETE_BACKTEST,
  EXIT_OK,
  UsageError,
  parseFlags,
} from './cli-command';
import { loadForecastCliConfig } from './cli.config';
import { directoryFlag, type FlagTable, helpText, integerFlag } from '@gridwerk/shared/util-config';
import {
  BdewProfileId,
  LoadProfileSet,
  PROFILE_IDS,
  quarterHourShare,
  resolveProfiles,
} from '@gridwerk/shared/util-load-profiles';
import {
  localDate,
  QUARTER_HOUR_MS,
  quarterHoursInLocalDay,
  startOfLocalDayUtc,
} from '@gridwerk/shared/util-calendar';

/** The validated command behind the flags. */
export interface BacktestCommand {
  csvPath: string;
  target: string;
  timeColumn?: string;
  features: FeatureSelection;
  horizon: Horizon;
  testFromMs?: number;
  folds: number;
  seed: number;
  maxEpochs?: number;
  backend: TfBackendName;
  slp?: { profile: BdewProfileId; profilesDir?: string };
  json: boolean;
  /** Write the self-contained HTML report here. */
  reportPath?: string;
}

const FLAGS = {
  csv: { kind: 'value', arg: 'FILE', help: 'CSV with a header row, comma or semicolon separated' },
  target: {
    kind: 'value',
    arg: 'NAME',
    help: 'load column (numeric; empty cells are gaps; negative = net feed-in)',
  },
  'time-col': {
    kind: 'value',
    arg: 'NAME',
    help: 'time column, ISO-8601 with offset or Z (default: first column)',
  },
  features: {
    kind: 'value',
    arg: 'SEL',
    help: 'exogenous columns known in advance: all | none | a,b,c (default: none)',
  },
  horizon: { kind: 'value', arg: 'H', help: 'day-ahead | intraday | PT<n>H (default: day-ahead)' },
  'issue-at': {
    kind: 'value',
    arg: 'HH:MM',
    help: 'day-ahead issue time, Europe/Berlin, before 12:00 (default: 10:00)',
  },
  'test-from': {
    kind: 'value',
    arg: 'ISO',
    help: 'start of the test period: YYYY-MM-DD (local midnight) or a timestamp\nwith offset (default: 28 days before the end; 28 days of history must precede it)',
  },
  folds: { kind: 'value', arg: 'N', help: 'rolling-origin folds over the test period (default: 4)' },
  seed: { kind: 'value', arg: 'N', help: 'seed for initialisation and shuffling (default: 42)' },
  'max-epochs': {
    kind: 'value',
    arg: 'N',
    help: 'training epochs per fold at most (default: 60, early stopping)',
  },
  backend: {
    kind: 'value',
    arg: 'B',
    help: 'TensorFlow.js backend: wasm | cpu | tensorflow (default: FORECAST_TF_BACKEND or wasm)',
  },
  slp: {
    kind: 'value',
    arg: 'PROFILE',
    help: 'also score the BDEW standard-load-profile forecast for a customer group:\nH25 | G25 | L25 | P25 | S25, annual consumption fitted on the training window',
  },
  'profiles-dir': {
    kind: 'value',
    arg: 'DIR',
    help: 'BDEW profiles in their published layout (h25.csv, ...); default: the\nbuilt-in approximation',
  },
  json: { kind: 'boolean', help: 'print exactly one JSON object on stdout' },
  report: {
    kind: 'value',
    arg: 'FILE.html',
    help: 'also write one self-contained HTML report (charts per fold, error by hour\nand day type, baselines, input decisions)',
  },
  help: { kind: 'boolean', help: 'show this help' },
} as const satisfies FlagTable;

const USAGE = helpText({
  usage: 'Usage: npm run forecast -- backtest --csv FILE --target NAME [options]',
  description: 'Rolling-origin backtest of the quantile model against persistence baselines on a CSV series.',
  flags: FLAGS,
  footer:
    'Exit codes: 0 ok, 2 usage or input error, 3 less than 95 % of the test points scored, 1 unexpected error.',
});

function positiveInt(flag: string, value: string | true | undefined, fallback: number, min = 1): number {
  return integerFlag(flag, typeof value === 'string' ? value : undefined, { min, fallback });
}

function stringFlag(value: string | true | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function parseTestFrom(text: string): number {
  const date = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (date !== null) return startOfLocalDayUtc(Number(date[1]), Number(date[2]), Number(date[3]));
  const ms = parseIsoTimestamp(text);
  if (ms === undefined)
    throw new UsageError(
      `--test-from must be YYYY-MM-DD or an ISO-8601 timestamp with offset, got "${text}"`,
    );
  return ms;
}

/** Flags → typed command; throws UsageError naming the flag. Returns undefined for --help. */
export function parseBacktestCommand(
  argv: readonly string[],
  defaultBackend: TfBackendName,
): BacktestCommand | undefined {
  const f = parseFlags(argv, FLAGS);
  if (f['help'] === true) return undefined;
  const csvPath = stringFlag(f['csv']);
  if (csvPath === undefined) throw new UsageError('--csv FILE is required');
  const target = stringFlag(f['target']);
  if (target === undefined) throw new UsageError('--target NAME is required');
  let horizon: Horizon;
  try {
    horizon = parseHorizon(stringFlag(f['horizon']) ?? 'day-ahead', stringFlag(f['issue-at']));
  } catch (e) {
    throw new UsageError(`--horizon/--issue-at: ${e instanceof Error ? e.message : String(e)}`);
  }
  const backend = stringFlag(f['backend']) ?? defaultBackend;
  if (!isTfBackendName(backend))
    throw new UsageError(`--backend must be one of ${TF_BACKENDS.join(', ')}, got "${backend}"`);
  const testFrom = stringFlag(f['test-from']);
  const timeColumn = stringFlag(f['time-col']);
  const maxEpochs =
    f['max-epochs'] === undefined ? undefined : positiveInt('max-epochs', f['max-epochs'], 60);
  const slpProfile = stringFlag(f['slp']);
  const profilesDir = stringFlag(f['profiles-dir']);
  const reportPath = stringFlag(f['report']);
  if (f['report'] === true) throw new UsageError('--report needs a file name');
  if (slpProfile !== undefined && !(PROFILE_IDS as readonly string[]).includes(slpProfile)) {
    throw new UsageError(`--slp must be one of ${PROFILE_IDS.join(', ')}, got "${slpProfile}"`);
  }
  if (profilesDir !== undefined && slpProfile === undefined)
    throw new UsageError('--profiles-dir needs --slp');
  // before the CSV and TF.js are loaded: a wrong directory is a usage error found at once
  directoryFlag('profiles-dir', profilesDir);
  return {
    csvPath,
    target,
    ...(timeColumn === undefined ? {} : { timeColumn }),
    features: parseFeatureSelection(stringFlag(f['features']) ?? 'none'),
    horizon,
    ...(testFrom === undefined ? {} : { testFromMs: parseTestFrom(testFrom) }),
    folds: positiveInt('folds', f['folds'], 4),
    seed: positiveInt('seed', f['seed'], 42, 0),
    ...(maxEpochs === undefined ? {} : { maxEpochs }),
    backend,
    ...(slpProfile === undefined
      ? {}
      : {
          slp: {
            profile: slpProfile as BdewProfileId,
            ...(profilesDir === undefined ? {} : { profilesDir }),
          },
        }),
    json: f['json'] === true,
    ...(reportPath === undefined ? {} : { reportPath }),
  };
}

/**
 * The BDEW profile as an SLP baseline: share of the annual consumption per step at a UTC instant
 * (Europe/Berlin day type, holidays, DST and dynamisation as in the published profile).
 */
export function slpProfileFunction(profiles: LoadProfileSet, id: BdewProfileId, stepMs: number): SlpProfile {
  const profile = profiles[id];
  const share = (t: number): number => {
    const l = localDate(t);
    return quarterHourShare(profile, l, quarterHoursInLocalDay(l.year, l.month, l.day));
  };
  const quarters = Math.max(1, Math.round(stepMs / QUARTER_HOUR_MS));
  return (t) => {
    let sum = 0;
    for (let q = 0; q < quarters; q++) sum += share(t + q * QUARTER_HOUR_MS);
    return sum;
  };
}

const ROWS: readonly (keyof BacktestReport['models'])[] = ['model', 'persistence1d', 'persistence7d', 'slp'];

function formatTable(report: BacktestReport): string {
  const header = ['forecast', 'MAE', 'RMSE', 'rMAE', 'bias', 'pinball', 'coverage', 'n'];
  const lines: string[][] = [header];
  for (const name of ROWS) {
    const m: ForecastMetrics | undefined = report.models[name];
    if (m === undefined) continue;
    lines.push([
      name,
      m.mae.toFixed(3),
      m.rmse.toFixed(3),
      `${(100 * m.rmae).toFixed(2)} %`,
      m.bias.toFixed(3),
      m.pinball.toFixed(3),
      `${(100 * m.coverage).toFixed(1)} %`,
      String(m.n),
    ]);
  }
  const widths = header.map((_, j) => Math.max(...lines.map((l) => (l[j] ?? '').length)));
  const fmt = (l: string[]): string =>
    l.map((c, j) => (j === 0 ? c.padEnd(widths[j] ?? 0) : c.padStart(widths[j] ?? 0))).join('  ');
  const s = report.series;
  return [
    `series ${s.name}${s.unit === undefined ? '' : ` [${s.unit}]`}: ${s.points} points of ${s.stepMinutes} min, ${s.from} .. ${s.to}, ${s.gaps} gaps, features: ${s.exogenous.join(', ') || 'none'}`,
    `horizon ${report.horizon}, test from ${report.testFrom}, ${report.folds} folds, n = ${report.n}, training ${report.trainingSeconds.toFixed(1)} s`,
    '',
    fmt(header),
    ...lines.slice(1).map(fmt),
    '',
    `improvement vs best baseline (MAE): ${report.improvementVsBestBaselinePct.toFixed(1)} %`,
    `scored ${report.pointsScored} of ${report.pointsExpected} test points (${report.foldReports.map((f) => `fold ${f.fold}: ${f.pointsScored}/${f.pointsExpected}`).join(', ')}), ${report.replaced} forecasts replaced by the baseline`,
    ...(report.staleTarget ? ['series flagged: the target flatlines (stale) in the training window'] : []),
    ...(report.inputDecisions.length === 0
      ? ['input decisions: none']
      : [
          'input decisions:',
          ...report.inputDecisions.map(
            (d) =>
              `  ${d.stage} ${d.kind}${d.column === undefined ? '' : ` ${d.column}`} (${d.count}): ${d.detail}`,
          ),
        ]),
  ].join('\n');
}

export async function runBacktestCommand(cmd: BacktestCommand, io: CliIo): Promise<number> {
  let text: string;
  try {
    text = readFileSync(cmd.csvPath, 'utf8');
  } catch (e) {
    throw new UsageError(
      `--csv: cannot read "${cmd.csvPath}" (${e instanceof Error ? e.message : String(e)})`,
    );
  }
  const csv = parseCsvSeries(text, {
    target: cmd.target,
    features: cmd.features,
    ...(cmd.timeColumn === undefined ? {} : { timeColumn: cmd.timeColumn }),
  });
  const r = csv.report;
  io.err(
    `read ${r.inputPoints} rows: ${r.length} slots of ${csv.series.stepMs / 60_000} min, ${r.duplicates} duplicates averaged, ${r.offGrid} off-grid dropped, ${r.gaps} gaps` +
      (csv.skippedColumns.length > 0
        ? `; non-numeric columns skipped: ${csv.skippedColumns.join(', ')}`
        : ''),
  );
  await useTfBackend(cmd.backend);
  io.err(`TensorFlow.js backend: ${cmd.backend}`);
  const report = await runBacktest(csv.series, {
    horizon: cmd.horizon,
    exogenous: csv.features,
    folds: cmd.folds,
    ...(cmd.testFromMs === undefined ? {} : { testFromMs: cmd.testFromMs }),
    train: { seed: cmd.seed, ...(cmd.maxEpochs === undefined ? {} : { maxEpochs: cmd.maxEpochs }) },
    ...(cmd.slp === undefined
      ? {}
      : {
          slp: {
            profile: slpProfileFunction(
              resolveProfiles(cmd.slp.profilesDir),
              cmd.slp.profile,
              csv.series.stepMs,
            ),
          },
        }),
    ...(cmd.reportPath === undefined ? {} : { keepPoints: true }),
    log: (m) => io.err(m),
  });
  if (cmd.reportPath !== undefined) {
    // ECharts is inlined: the report must open without network access.
    const echarts = readFileSync(require.resolve('echarts/dist/echarts.min.js'), 'utf8');
    writeFileSync(cmd.reportPath, renderBacktestHtml(report, echarts));
    io.err(`report written to ${cmd.reportPath}`);
  }
  if (cmd.json) {
    const { series, points: _points, ...rest } = report;
    io.out(JSON.stringify({ series: { ...series, duplicates: r.duplicates, offGrid: r.offGrid }, ...rest }));
  } else {
    io.out(formatTable(report));
  }
  return backtestExitCode(report, io);
}

/** A backtest that could score less than MIN_SCORED_SHARE of its test points fails, saying why. */
export const MIN_SCORED_SHARE = 0.95;

export function backtestExitCode(report: BacktestReport, io: CliIo): number {
  const share = report.pointsExpected > 0 ? report.pointsScored / report.pointsExpected : 0;
  if (share >= MIN_SCORED_SHARE) return EXIT_OK;
  const worst = report.foldReports
    .filter((f) => f.pointsScored < f.pointsExpected)
    .map((f) => `fold ${f.fold} ${f.pointsScored}/${f.pointsExpected}`)
    .join(', ');
  io.err(
    `error: BACKTEST.INCOMPLETE: only ${report.pointsScored} of ${report.pointsExpected} test points (${(100 * share).toFixed(1)} %) could be scored, below ${100 * MIN_SCORED_SHARE} %` +
      `${worst === '' ? '' : ` (${worst})`}: targets lacked the target's lag values (gaps in the load history)`,
  );
  return EXIT_INCOMPLETE_BACKTEST;
}

export const backtestCommand: CliCommand = {
  name: 'backtest',
  summary: 'rolling-origin backtest of the quantile model vs. persistence baselines on a CSV series',
  usage: USAGE,
  advise: (code) =>
    code === 'BACKTEST.TOO_LITTLE_HISTORY' ? 'move --test-from later or supply more history' : undefined,
  run: async (argv, io) => {
    const cmd = parseBacktestCommand(argv, loadForecastCliConfig().tfBackend);
    if (cmd === undefined) {
      io.out(USAGE);
      return EXIT_OK;
    }
    return runBacktestCommand(cmd, io);
  },
};
