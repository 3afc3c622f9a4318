import { ForecastError } from './errors';
import { type RawPoint, type RegularisedSeries, type StepMs, isSupportedStep, regularise } from './series';

/** Which exogenous ("known in advance") columns to use: every numeric one, none, or a list. */
export type FeatureSelection =
  { kind: 'all' } | { kind: 'none' } | { kind: 'list'; columns: readonly string[] };

export interface CsvSeriesOptions {
  /** Time column; defaults to the first column. */
  timeColumn?: string;
  /** Target (load) column. */
  target: string;
  features?: FeatureSelection;
  /** Series name for reports; defaults to the target column. */
  name?: string;
  unit?: string;
}

export interface CsvSeries extends RegularisedSeries {
  separator: ',' | ';';
  timeColumn: string;
  target: string;
  /** Exogenous columns actually used. */
  features: string[];
  /** Columns skipped by `features: all` because they are not numeric. */
  skippedColumns: string[];
}

/** Parses `all`, `none` or `a,b,c`. */
export function parseFeatureSelection(text: string): FeatureSelection {
  const t = text.trim();
  if (t === 'all') return { kind: 'all' };
  if (t === 'none' || t === '') return { kind: 'none' };
  return {
    kind: 'list',
    columns: t
      .split(',')
      .map((c) => c.trim())
      .filter((c) => c.length > 0),
  };
}

/** Picks the separator by counting unquoted `;` and `,` in the header line. */
export function detectSeparator(headerLine: string): ',' | ';' {
  let commas = 0;
  let semis = 0;
  let quoted = false;
  for (const ch of headerLine) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && ch === ',') commas++;
    else if (!quoted && ch === ';') semis++;
  }
  return semis > commas ? ';' : ',';
}

/** RFC 4180 style records: quoted fields may hold separators, doubled quotes and line breaks. */
export function parseCsvRecords(text: string, separator: ',' | ';'): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let quoted = false;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const n = text.length;
  const endRecord = (): void => {
    record.push(field);
    field = '';
    if (!(record.length === 1 && record[0]?.trim() === '')) records.push(record);
    record = [];
  };
  for (; i < n; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === separator) {
      record.push(field);
      field = '';
    } else if (ch === '\n') endRecord();
    else if (ch === '\r') {
      if (text[i + 1] !== '\n') endRecord();
    } else field += ch;
  }
  if (field !== '' || record.length > 0) endRecord();
  return records;
}

const ISO_WITH_OFFSET =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?\s*(Z|z|[+-]\d{2}(?::?\d{2})?)$/;

/**
 * ISO-8601 timestamp with `Z` or an explicit offset, to UTC epoch ms. Naive local timestamps are
 * rejected: around DST changes they are ambiguous, and guessing silently shifts a whole series.
 */
export function parseIsoTimestamp(text: string): number | undefined {
  const m = ISO_WITH_OFFSET.exec(text.trim());
  if (m === null) return undefined;
  const [, y, mo, d, h, mi, s, frac, off] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = s === undefined ? 0 : Number(s);
  const ms = frac === undefined ? 0 : Math.round(Number(`0.${frac}`) * 1000);
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 24 || minute > 59 || second > 60)
    return undefined;
  const utc = Date.UTC(year, month - 1, day, hour, minute, second, ms);
  const check = new Date(Date.UTC(year, month - 1, day));
  if (check.getUTCDate() !== day) return undefined;
  let offsetMin = 0;
  if (off !== undefined && off.toUpperCase() !== 'Z') {
    const sign = off.startsWith('-') ? -1 : 1;
    const digits = off.slice(1).replace(':', '');
    offsetMin =
      sign * (Number(digits.slice(0, 2)) * 60 + (digits.length > 2 ? Number(digits.slice(2, 4)) : 0));
  }
  return utc - offsetMin * 60_000;
}

/** A number, allowing a decimal comma in semicolon-separated files (German spreadsheets). */
export function parseNumber(text: string, separator: ',' | ';'): number | undefined {
  let t = text.trim();
  if (t === '') return Number.NaN;
  if (separator === ';' && /^[+-]?\d+,\d+([eE][+-]?\d+)?$/.test(t)) t = t.replace(',', '.');
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t) && !/^(NaN|nan|NA|null)$/.test(t)) return undefined;
  const v = Number(t);
  return Number.isNaN(v) ? Number.NaN : v;
}

/** The step of a series from the median difference of its sorted distinct timestamps. */
export function detectStep(times: readonly number[]): StepMs {
  const distinct = [...new Set(times)].sort((a, b) => a - b);
  const diffs: number[] = [];
  for (let i = 1; i < distinct.length; i++) diffs.push((distinct[i] ?? 0) - (distinct[i - 1] ?? 0));
  if (diffs.length === 0)
    throw new ForecastError(
      'CSV.UNSUPPORTED_STEP',
      'need at least two distinct timestamps to detect the step',
    );
  diffs.sort((a, b) => a - b);
  const median = diffs[Math.floor(diffs.length / 2)] ?? 0;
  if (!isSupportedStep(median)) {
    throw new ForecastError(
      'CSV.UNSUPPORTED_STEP',
      `median timestamp difference is ${median / 60_000} minutes; only 15-minute and hourly series are supported`,
      { medianMinutes: median / 60_000 },
    );
  }
  return median;
}

/** Parses a CSV file's text into a regular load series. Rows are numbered as in the file (header = 1). */
export function parseCsvSeries(text: string, options: CsvSeriesOptions): CsvSeries {
  const firstLine = text.split(/\r?\n/, 1)[0] ?? '';
  const separator = detectSeparator(firstLine);
  const records = parseCsvRecords(text, separator);
  const header = records[0]?.map((h) => h.trim());
  if (header === undefined || records.length < 2)
    throw new ForecastError('CSV.EMPTY', 'the CSV needs a header row and at least one data row');
  const column = (name: string, role: string): number => {
    const i = header.indexOf(name);
    if (i < 0) {
      throw new ForecastError(
        'CSV.UNKNOWN_COLUMN',
        `${role} column "${name}" not found; columns are: ${header.join(', ')}`,
        { column: name, role },
      );
    }
    return i;
  };
  const timeColumn = options.timeColumn ?? header[0] ?? '';
  const timeIdx = column(timeColumn, 'time');
  const targetIdx = column(options.target, 'target');
  const rows = records.slice(1);

  const selection = options.features ?? { kind: 'none' };
  const skippedColumns: string[] = [];
  let featureIdx: number[] = [];
  if (selection.kind === 'list') {
    featureIdx = selection.columns.map((c) => {
      const i = column(c, 'feature');
      if (i === timeIdx || i === targetIdx) {
        throw new ForecastError('CSV.UNKNOWN_COLUMN', `feature column "${c}" is the time or target column`, {
          column: c,
          role: 'feature',
        });
      }
      return i;
    });
  } else if (selection.kind === 'all') {
    header.forEach((name, i) => {
      if (i === timeIdx || i === targetIdx) return;
      const numeric = rows.every((r) => parseNumber(r[i] ?? '', separator) !== undefined);
      if (numeric) featureIdx.push(i);
      else skippedColumns.push(name);
    });
  }
  const features = featureIdx.map((i) => header[i] ?? '');

  const points: RawPoint[] = [];
  rows.forEach((r, k) => {
    const rowNo = k + 2;
    if (r.length !== header.length) {
      throw new ForecastError(
        'CSV.RAGGED_ROW',
        `row ${rowNo} has ${r.length} fields, the header has ${header.length}`,
        { row: rowNo },
      );
    }
    const rawTime = r[timeIdx] ?? '';
    const timeMs = parseIsoTimestamp(rawTime);
    if (timeMs === undefined) {
      throw new ForecastError(
        'CSV.BAD_TIMESTAMP',
        `row ${rowNo}, column "${timeColumn}": "${rawTime}" is not an ISO-8601 timestamp with an offset or Z (e.g. 2024-03-31T02:15:00+01:00)`,
        { row: rowNo, column: timeColumn, value: rawTime },
      );
    }
    const rawValue = r[targetIdx] ?? '';
    const value = parseNumber(rawValue, separator);
    if (value === undefined) {
      throw new ForecastError(
        'CSV.NON_NUMERIC_TARGET',
        `row ${rowNo}, column "${options.target}": "${rawValue}" is not a number`,
        {
          row: rowNo,
          column: options.target,
          value: rawValue,
        },
      );
    }
    const exogenous: Record<string, number> = {};
    featureIdx.forEach((ci, j) => {
      const name = features[j] ?? '';
      const raw = r[ci] ?? '';
      const v = parseNumber(raw, separator);
      if (v === undefined) {
        throw new ForecastError(
          'CSV.NON_NUMERIC_FEATURE',
          `row ${rowNo}, column "${name}": "${raw}" is not a number`,
          { row: rowNo, column: name, value: raw },
        );
      }
      exogenous[name] = v;
    });
    points.push({ timeMs, value, exogenous });
  });

  const stepMs = detectStep(points.map((p) => p.timeMs));
  const regularised = regularise(points, {
    name: options.name ?? options.target,
    stepMs,
    exogenous: features,
    ...(options.unit === undefined ? {} : { unit: options.unit }),
  });
  return { ...regularised, separator, timeColumn, target: options.target, features, skippedColumns };
}
