import { readFileSync } from 'node:fs';
import { type LoadSeries, parseCsvSeries, parseIsoTimestamp } from '@gridwerk/forecast/domain';
import {
  type ForecastHorizonName,
  type SeriesRef,
  ForecastJobError,
  HORIZON_NAMES,
  isHorizonName,
  parseSeriesId,
} from '@gridwerk/forecast/data-access';
import { type FlagTable, integerFlag } from '@gridwerk/shared/util-config';
import { type FlagValues, UsageError } from './cli-command';

/** Flags shared by `train` and `run`. */
export const SERIES_FLAGS = {
  series: {
    kind: 'value',
    arg: 'IDS',
    help: 'comma-separated: feeder:<id>, substation:<id>, grid, custom:<name>',
  },
  all: { kind: 'boolean', help: 'every feeder and substation with data in the rollup views, and the grid' },
  horizon: { kind: 'value', arg: 'H', help: 'day-ahead | intraday (default: day-ahead)' },
  csv: {
    kind: 'value',
    arg: 'FILE',
    help: 'data of a custom:<name> series (Wh per 15 min), with --target COL [--time-col COL]',
  },
  target: { kind: 'value', arg: 'COL', help: 'with --csv: the load column' },
  'time-col': { kind: 'value', arg: 'COL', help: 'with --csv: the time column (default: the first)' },
} as const satisfies FlagTable;

/** Last in every job's table (and its help). */
export const OUTPUT_FLAGS = {
  json: { kind: 'boolean', help: 'print one JSON summary object on stdout' },
  help: { kind: 'boolean', help: 'show this help' },
} as const satisfies FlagTable;

export interface SeriesSelection {
  series: readonly SeriesRef[] | 'all';
  horizon: ForecastHorizonName;
  custom: Map<string, LoadSeries>;
  json: boolean;
}

export function stringFlag(value: string | true | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

export function intFlag(f: FlagValues, name: string, fallback: number, min: number): number {
  return integerFlag(name, stringFlag(f[name]), { min, fallback });
}

export function instantFlag(f: FlagValues, name: string): number | undefined {
  const v = stringFlag(f[name]);
  if (v === undefined) return undefined;
  const ms = parseIsoTimestamp(v);
  if (ms === undefined)
    throw new UsageError(`--${name} must be an ISO-8601 timestamp with offset or Z, got "${v}"`);
  return ms;
}

/** --series IDS (comma-separated series ids) or --all, exactly one of them; throws UsageError naming the flag. */
export function parseSeriesOrAll(f: FlagValues): SeriesRef[] | 'all' {
  const list = stringFlag(f['series']);
  if ((list === undefined) === (f['all'] !== true)) throw new UsageError('give either --series IDS or --all');
  if (list === undefined) return 'all';
  let series: SeriesRef[];
  try {
    series = list
      .split(',')
      .filter((s) => s.trim() !== '')
      .map(parseSeriesId);
  } catch (e) {
    if (e instanceof ForecastJobError) throw new UsageError(`--series: ${e.message}`);
    throw e;
  }
  if (series.length === 0) throw new UsageError('--series needs at least one id');
  return series;
}

/** --horizon (default day-ahead). */
export function parseHorizonFlag(f: FlagValues): ForecastHorizonName {
  const horizon = stringFlag(f['horizon']) ?? 'day-ahead';
  if (!isHorizonName(horizon))
    throw new UsageError(`--horizon must be one of ${HORIZON_NAMES.join(', ')}, got "${horizon}"`);
  return horizon;
}

/** --series/--all, --horizon, --csv/--target → typed selection; the CSV is read and parsed here (an edge). */
export function parseSeriesSelection(f: FlagValues): SeriesSelection {
  const horizon = parseHorizonFlag(f);
  const series = parseSeriesOrAll(f);
  const custom = new Map<string, LoadSeries>();
  const customRefs = series === 'all' ? [] : series.filter((s) => s.kind === 'custom');
  const csv = stringFlag(f['csv']);
  if (customRefs.length > 1) throw new UsageError('only one custom:<name> series per call (one --csv file)');
  if (customRefs.length === 1 && csv === undefined)
    throw new UsageError(`--csv FILE is required for ${customRefs[0]?.id ?? 'a custom series'}`);
  if (csv !== undefined) {
    const ref = customRefs[0];
    if (ref === undefined) throw new UsageError('--csv only applies to a custom:<name> series in --series');
    const target = stringFlag(f['target']);
    if (target === undefined) throw new UsageError('--target COL is required with --csv');
    let text: string;
    try {
      text = readFileSync(csv, 'utf8');
    } catch (e) {
      throw new UsageError(`--csv: cannot read "${csv}" (${e instanceof Error ? e.message : String(e)})`);
    }
    const timeColumn = stringFlag(f['time-col']);
    const parsed = parseCsvSeries(text, {
      target,
      features: { kind: 'none' },
      ...(timeColumn === undefined ? {} : { timeColumn }),
    });
    if (parsed.series.stepMs !== 900_000)
      throw new UsageError(
        `--csv: a custom series needs 15-minute steps (Wh per quarter hour), found ${parsed.series.stepMs / 60_000} min`,
      );
    custom.set(ref.id, { ...parsed.series, name: ref.id, unit: 'Wh' });
  }
  return { series, horizon, custom, json: f['json'] === true };
}
