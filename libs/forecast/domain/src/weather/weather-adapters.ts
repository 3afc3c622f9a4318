import { detectSeparator, parseCsvRecords, parseIsoTimestamp, parseNumber } from '../csv';
import { ForecastError } from '../errors';
import { type MosmixForecast, type MosmixStation } from './mosmix';
import {
  type WeatherForecastVintage,
  type WeatherQuantity,
  WEATHER_QUANTITIES,
  checkVintage,
} from './weather-forecast';

const HOUR_MS = 3_600_000;

/**
 * DWD MOSMIX adapter: one vintage per station of a parsed MOSMIX file (issue time = the file's
 * `IssueTime`). MOSMIX values belong to the hour *ending* at their valid time (`Rad1h` is the hour's sum;
 * `TTT`, `Neff`, `FF` are taken as the hour's mean), so the step is `[valid − 1 h, valid)`. Units are
 * converted by the parser (Rad1h kJ/m² → W/m², TTT K → °C); `-` stays NaN.
 */
export function mosmixVintages(forecast: MosmixForecast): WeatherForecastVintage[] {
  return forecast.stations.map((s) => mosmixStationVintage(forecast, s));
}

function mosmixStationVintage(forecast: MosmixForecast, s: MosmixStation): WeatherForecastVintage {
  const keep: number[] = [];
  forecast.stepsMs.forEach((valid, i) => {
    if (valid > forecast.issueTimeMs && valid % HOUR_MS === 0) keep.push(i);
  });
  const pick = (col: Float64Array): Float64Array => Float64Array.from(keep, (i) => col[i] ?? Number.NaN);
  const v: WeatherForecastVintage = {
    pointId: s.id,
    source: 'dwd-mosmix',
    issueTimeMs: forecast.issueTimeMs,
    stepMs: HOUR_MS,
    targetsMs: keep.map((i) => (forecast.stepsMs[i] ?? Number.NaN) - HOUR_MS),
    values: {
      ghiWPerM2: pick(s.values.irradianceWm2),
      temperatureC: pick(s.values.temperatureC),
      cloudCoverPct: pick(s.values.cloudCoverPct),
      windSpeedMPerS: pick(s.values.windSpeedMs),
    },
  };
  checkVintage(v);
  return v;
}

/** CSV layout of weather forecasts (`forecast weather import --csv`): header names → quantities. */
export const WEATHER_CSV_COLUMNS: Readonly<Record<WeatherQuantity, string>> = {
  ghiWPerM2: 'ghi_w_per_m2',
  temperatureC: 'temperature_c',
  cloudCoverPct: 'cloud_cover_pct',
  windSpeedMPerS: 'wind_speed_m_per_s',
};

/**
 * CSV adapter. Layout (header row, `,` or `;`, one row per step of one vintage):
 * `weather_point_id,issue_time,target_start[,ghi_w_per_m2][,temperature_c][,cloud_cover_pct][,wind_speed_m_per_s]`
 * — instants ISO-8601 with `Z` or an offset, `target_start` the start of a 15- or 60-minute step (the
 * step of a vintage is the smallest distance of its targets, 60 minutes for a single row), values means
 * over the step, an empty cell = not forecast. At least one quantity column. Errors: WEATHER.BAD_CSV with
 * the line.
 */
export function parseWeatherCsv(text: string): WeatherForecastVintage[] {
  const firstLine = text.split(/\r?\n/, 1)[0] ?? '';
  if (firstLine.trim().length === 0) throw new ForecastError('WEATHER.BAD_CSV', 'the file is empty');
  const sep = detectSeparator(firstLine);
  const records = parseCsvRecords(text, sep);
  const header = (records[0] ?? []).map((h) => h.trim());
  const col = (name: string): number => header.indexOf(name);
  const iPoint = col('weather_point_id');
  const iIssue = col('issue_time');
  const iTarget = col('target_start');
  for (const [name, i] of [
    ['weather_point_id', iPoint],
    ['issue_time', iIssue],
    ['target_start', iTarget],
  ] as const) {
    if (i < 0)
      throw new ForecastError('WEATHER.BAD_CSV', `column ${name} is missing (header: ${header.join(sep)})`);
  }
  const quantities = WEATHER_QUANTITIES.filter((q) => col(WEATHER_CSV_COLUMNS[q]) >= 0);
  if (quantities.length === 0)
    throw new ForecastError(
      'WEATHER.BAD_CSV',
      `no weather column: expected one of ${Object.values(WEATHER_CSV_COLUMNS).join(', ')}`,
    );
  const groups = new Map<
    string,
    { pointId: string; issue: number; rows: { t: number; v: number[]; line: number }[] }
  >();
  for (let r = 1; r < records.length; r++) {
    const rec = records[r] ?? [];
    if (rec.length === 1 && (rec[0] ?? '').trim() === '') continue;
    const line = r + 1;
    if (rec.length !== header.length)
      throw new ForecastError(
        'WEATHER.BAD_CSV',
        `line ${line}: ${rec.length} fields, the header has ${header.length}`,
      );
    const pointId = (rec[iPoint] ?? '').trim();
    if (pointId.length === 0)
      throw new ForecastError('WEATHER.BAD_CSV', `line ${line}: empty weather_point_id`);
    const issue = parseIsoTimestamp(rec[iIssue] ?? '');
    const t = parseIsoTimestamp(rec[iTarget] ?? '');
    if (issue === undefined || t === undefined)
      throw new ForecastError(
        'WEATHER.BAD_CSV',
        `line ${line}: issue_time and target_start must be ISO-8601 instants with Z or an offset`,
      );
    const v = quantities.map((q) => {
      const cell = (rec[col(WEATHER_CSV_COLUMNS[q])] ?? '').trim();
      if (cell === '') return Number.NaN;
      const n = parseNumber(cell, sep);
      if (n === undefined)
        throw new ForecastError(
          'WEATHER.BAD_CSV',
          `line ${line}: ${WEATHER_CSV_COLUMNS[q]} "${cell}" is not a number`,
        );
      return n;
    });
    const key = `${pointId}\u0000${issue}`;
    const g = groups.get(key) ?? { pointId, issue, rows: [] };
    g.rows.push({ t, v, line });
    groups.set(key, g);
  }
  const out: WeatherForecastVintage[] = [];
  for (const g of groups.values()) {
    g.rows.sort((a, b) => a.t - b.t);
    let step = HOUR_MS;
    for (let i = 1; i < g.rows.length; i++)
      step = Math.min(step, (g.rows[i]?.t ?? 0) - (g.rows[i - 1]?.t ?? 0));
    const values: Partial<Record<WeatherQuantity, Float64Array>> = {};
    quantities.forEach((q, k) => {
      values[q] = Float64Array.from(g.rows, (row) => row.v[k] ?? Number.NaN);
    });
    const v: WeatherForecastVintage = {
      pointId: g.pointId,
      source: 'csv',
      issueTimeMs: g.issue,
      stepMs: step,
      targetsMs: g.rows.map((row) => row.t),
      values,
    };
    try {
      checkVintage(v);
    } catch (e) {
      if (e instanceof ForecastError)
        throw new ForecastError('WEATHER.BAD_CSV', `lines ${g.rows[0]?.line ?? '?'}…: ${e.message}`);
      throw e;
    }
    out.push(v);
  }
  return out.sort((a, b) => a.issueTimeMs - b.issueTimeMs || a.pointId.localeCompare(b.pointId));
}
