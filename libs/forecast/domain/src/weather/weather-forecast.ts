import { ForecastError } from '../errors';
import { type Horizon, dayAheadOriginFor } from '../horizons';

/**
 * The weather port of the forecasting domain. Weather reaches a model only as *forecasts with their issue
 * time* (vintage); adapters turn a source into vintages (the simulator's topic, DWD MOSMIX, CSV), the
 * forecast service stores them by vintage, and `weatherColumnsAsOf` builds the model's input columns from
 * the vintages known when each target's forecast is issued — never from a later vintage, never from an
 * observation.
 */

/** Quantities of a weather forecast, means over the step, in the units of their names. */
export const WEATHER_QUANTITIES = ['ghiWPerM2', 'temperatureC', 'cloudCoverPct', 'windSpeedMPerS'] as const;
export type WeatherQuantity = (typeof WEATHER_QUANTITIES)[number];

export const WEATHER_SOURCES = ['simulator', 'dwd-mosmix', 'csv'] as const;
export type WeatherSource = (typeof WEATHER_SOURCES)[number];

/** One forecast of one weather point, as issued. */
export interface WeatherForecastVintage {
  pointId: string;
  source: WeatherSource;
  issueTimeMs: number;
  /** 15 or 60 minutes; every value is the mean over `[target, target + stepMs)`. */
  stepMs: number;
  /** Step starts, strictly increasing, none ending at or before the issue time. */
  targetsMs: readonly number[];
  /** One value per step; NaN = not forecast for that step. Absent quantity = not given by the source. */
  values: Partial<Record<WeatherQuantity, Float64Array>>;
}

/** A source of weather forecasts (adapter side of the port). */
export interface WeatherForecastSource {
  readonly source: WeatherSource;
  vintages(): AsyncIterable<WeatherForecastVintage>;
}

/** Where vintages are kept and read back (the forecast service's table). */
export interface WeatherForecastStore {
  /** Stores a vintage; the same (point, issue time) again changes nothing. Returns steps written. */
  save(vintage: WeatherForecastVintage): Promise<number>;
  /** Vintages of a point issued in [issuedFromMs, issuedUntilMs), in issue order. */
  vintages(pointId: string, issuedFromMs: number, issuedUntilMs: number): Promise<WeatherForecastVintage[]>;
}

/** Name of the exogenous column a weather quantity becomes (`weather_ghiWPerM2`, …). */
export function weatherColumn(q: WeatherQuantity): string {
  return `weather_${q}`;
}

/** The weather quantities a column list uses. */
export function weatherColumnsIn(columns: readonly string[]): string[] {
  const all = new Set(WEATHER_QUANTITIES.map(weatherColumn));
  return columns.filter((c) => all.has(c));
}

/** Checks a vintage's shape (adapters call it before handing one on). Throws WEATHER.BAD_FORECAST. */
export function checkVintage(v: WeatherForecastVintage): void {
  const bad = (msg: string): never => {
    throw new ForecastError('WEATHER.BAD_FORECAST', `${v.pointId} issued ${isoOf(v.issueTimeMs)}: ${msg}`, {
      pointId: v.pointId,
    });
  };
  if (v.pointId.length === 0 || v.pointId.length > 128) bad('weather point id must have 1 to 128 characters');
  if (!Number.isFinite(v.issueTimeMs)) bad('issue time is not an instant');
  if (v.stepMs !== 900_000 && v.stepMs !== 3_600_000)
    bad(`step must be 15 or 60 minutes, got ${v.stepMs} ms`);
  if (v.targetsMs.length === 0) bad('no steps');
  let prev = -Infinity;
  for (const t of v.targetsMs) {
    if (t % v.stepMs !== 0) bad(`step ${isoOf(t)} is not aligned to ${v.stepMs / 60_000} minutes`);
    if (t <= prev) bad(`steps must be strictly increasing (${isoOf(t)})`);
    if (t + v.stepMs <= v.issueTimeMs) bad(`step ${isoOf(t)} ends before the issue time: not a forecast`);
    prev = t;
  }
  for (const [q, col] of Object.entries(v.values)) {
    if (col !== undefined && col.length !== v.targetsMs.length)
      bad(`${q} has ${col.length} values for ${v.targetsMs.length} steps`);
  }
}

function isoOf(ms: number): string {
  return Number.isFinite(ms) ? new Date(ms).toISOString() : String(ms);
}

/**
 * The instant at which a target's forecast is issued, i.e. up to when weather may be known for it:
 * day-ahead, the issue time of its delivery day; intraday, the earliest origin whose horizon reaches the
 * target (`t − duration`), so that the same value is known at every origin that forecasts it.
 */
export function weatherKnownAt(h: Horizon, targetMs: number): number {
  return h.kind === 'day-ahead' ? dayAheadOriginFor(h, targetMs) : targetMs - h.durationMs;
}

export interface WeatherColumnsOptions {
  /** Instant up to which weather may be known for a target (see weatherKnownAt). */
  knownAt: (targetMs: number) => number;
  /**
   * A vintage older than this at `knownAt` is not used (the feed has stopped): the target gets NaN, and the
   * model falls back (flagged `inputs-missing`). Default 24 h.
   */
  maxAgeMs?: number;
  quantities?: readonly WeatherQuantity[];
}

export interface WeatherColumns {
  /** Exogenous columns by `weatherColumn(q)`, aligned with the grid; NaN where no vintage applies. */
  columns: Record<string, Float64Array>;
  /** Per grid index, the issue time of the vintage used (NaN = none): the audit trail of the vintage rule. */
  vintageMs: Float64Array;
}

/**
 * The vintage rule. For each target `t` of the grid `[startMs, startMs + length·stepMs)`: the most recent
 * vintage issued at or before `knownAt(t)` (and at most `maxAgeMs` before it) that forecasts `t`; a
 * vintage's value is the mean over its step, so an hourly step fills its four quarter hours. Vintages
 * issued later are never looked at, whatever they contain.
 */
export function weatherColumnsAsOf(
  vintages: readonly WeatherForecastVintage[],
  grid: { startMs: number; stepMs: number; length: number },
  opts: WeatherColumnsOptions,
): WeatherColumns {
  const maxAge = opts.maxAgeMs ?? 24 * 3_600_000;
  const quantities = opts.quantities ?? WEATHER_QUANTITIES;
  const sorted = [...vintages].sort((a, b) => a.issueTimeMs - b.issueTimeMs);
  const issues = sorted.map((v) => v.issueTimeMs);
  const columns: Record<string, Float64Array> = {};
  for (const q of quantities) {
    if (sorted.some((v) => v.values[q] !== undefined))
      columns[weatherColumn(q)] = new Float64Array(grid.length).fill(Number.NaN);
  }
  const vintageMs = new Float64Array(grid.length).fill(Number.NaN);
  for (let i = 0; i < grid.length; i++) {
    const t = grid.startMs + i * grid.stepMs;
    const known = opts.knownAt(t);
    // last vintage issued at or before `known`
    let lo = 0;
    let hi = issues.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((issues[mid] ?? Infinity) <= known) lo = mid + 1;
      else hi = mid;
    }
    for (let k = lo - 1; k >= 0; k--) {
      const v = sorted[k];
      if (v === undefined || known - v.issueTimeMs > maxAge) break;
      const s = stepIndex(v, t);
      if (s < 0) continue;
      vintageMs[i] = v.issueTimeMs;
      for (const q of quantities) {
        const col = columns[weatherColumn(q)];
        const val = v.values[q]?.[s];
        if (col !== undefined && val !== undefined) col[i] = val;
      }
      break;
    }
  }
  return { columns, vintageMs };
}

/** Index of the vintage step containing `t`, or -1. */
function stepIndex(v: WeatherForecastVintage, t: number): number {
  const ts = v.targetsMs;
  let lo = 0;
  let hi = ts.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((ts[mid] ?? Infinity) <= t) lo = mid + 1;
    else hi = mid;
  }
  const k = lo - 1;
  const start = ts[k];
  return start !== undefined && t < start + v.stepMs ? k : -1;
}

/** Great-circle distance in km (haversine). */
export function distanceKm(aLat: number, aLon: number, bLat: number, bLon: number): number {
  const r = Math.PI / 180;
  const dLat = (bLat - aLat) * r;
  const dLon = (bLon - aLon) * r;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(aLat * r) * Math.cos(bLat * r) * Math.sin(dLon / 2) ** 2;
  return 2 * 6371 * Math.asin(Math.min(1, Math.sqrt(h)));
}

/** The station nearest to a location (e.g. a substation's), with its distance. */
export function nearestStation<S extends { id: string; latDeg: number; lonDeg: number }>(
  stations: readonly S[],
  latDeg: number,
  lonDeg: number,
): { station: S; distanceKm: number } | undefined {
  let best: { station: S; distanceKm: number } | undefined;
  for (const s of stations) {
    const d = distanceKm(latDeg, lonDeg, s.latDeg, s.lonDeg);
    if (best === undefined || d < best.distanceKm) best = { station: s, distanceKm: d };
  }
  return best;
}
