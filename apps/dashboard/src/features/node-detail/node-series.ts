import type { ForecastDto, LoadDto } from '../../api/types';

/**
 * Aligning the measured load with the forecast quantiles on one time axis (uPlot wants one x array and
 * y arrays of the same length, null where a series has no value), and splitting long ranges into the
 * chunks for which the API answers at 15-minute resolution.
 */
export type RangeKey = '1d' | '7d' | '30d' | '365d';
export const RANGE_DAYS: Record<RangeKey, number> = { '1d': 1, '7d': 7, '30d': 30, '365d': 365 };
/** The API serves 15-minute resolution up to 35 days; longer ranges are fetched in chunks just below that (fewer round trips, never the 1-hour answer). */
export const CHUNK_DAYS = 34;
const DAY_MS = 86_400_000;

export interface ChartData {
  /** epoch seconds */
  x: number[];
  actualKw: (number | null)[];
  p10Kw: (number | null)[];
  p50Kw: (number | null)[];
  p90Kw: (number | null)[];
}

export function rangeFor(key: RangeKey, nowMs: number): { fromMs: number; toMs: number } {
  // quarter-hour aligned, the current (incomplete) quarter hour included
  const toMs = Math.ceil(nowMs / 900_000) * 900_000;
  return { fromMs: toMs - RANGE_DAYS[key] * DAY_MS, toMs };
}

/**
 * Whether a window that ended at `toMs`, chosen at browser time `chosenAtMs` by an older offset of the
 * control room's clock, would have ended in another quarter hour by the offset `offsetMs`: only then is
 * it worth fetching again (the data is by quarter hour; a few seconds of clock change nothing).
 */
export function windowMoved(key: RangeKey, toMs: number, chosenAtMs: number, offsetMs: number): boolean {
  return rangeFor(key, chosenAtMs + offsetMs).toMs !== toMs;
}

/** [from, to) split into consecutive chunks of at most `chunkDays`. */
export function chunkRange(
  fromMs: number,
  toMs: number,
  chunkDays = CHUNK_DAYS,
): { fromMs: number; toMs: number }[] {
  const out: { fromMs: number; toMs: number }[] = [];
  for (let a = fromMs; a < toMs; a += chunkDays * DAY_MS)
    out.push({ fromMs: a, toMs: Math.min(toMs, a + chunkDays * DAY_MS) });
  return out;
}

const kw = (w: number | null | undefined): number | null =>
  w === null || w === undefined || !Number.isFinite(w) ? null : w / 1000;

export function mergeSeries(loads: readonly LoadDto[], forecast: ForecastDto | undefined): ChartData {
  const byT = new Map<
    number,
    { a: number | null; p10: number | null; p50: number | null; p90: number | null }
  >();
  const slot = (t: number) => {
    let s = byT.get(t);
    if (!s) {
      s = { a: null, p10: null, p50: null, p90: null };
      byT.set(t, s);
    }
    return s;
  };
  for (const l of loads) for (const p of l.points) slot(Date.parse(p.t)).a = kw(p.avgPowerW);
  // forecast quantiles are energies per step: average power = Wh * 60 / step minutes
  const perHour = forecast ? 60 / forecast.stepMinutes : 0;
  for (const p of forecast?.points ?? []) {
    const s = slot(Date.parse(p.t));
    s.p10 = kw(p.p10Wh * perHour);
    s.p50 = kw(p.p50Wh * perHour);
    s.p90 = kw(p.p90Wh * perHour);
  }
  const ts = [...byT.keys()].filter(Number.isFinite).sort((a, b) => a - b);
  const out: ChartData = { x: [], actualKw: [], p10Kw: [], p50Kw: [], p90Kw: [] };
  for (const t of ts) {
    const s = byT.get(t);
    if (!s) continue;
    out.x.push(t / 1000);
    out.actualKw.push(s.a);
    out.p10Kw.push(s.p10);
    out.p50Kw.push(s.p50);
    out.p90Kw.push(s.p90);
  }
  return out;
}

/** Appends (or updates) the live value at its instant, so the chart moves with the stream. */
export function withLivePoint(d: ChartData, observedAtMs: number, powerW: number): ChartData {
  // a live value describes the quarter hour that ends at its instant
  const t = (Math.ceil(observedAtMs / 900_000) - 1) * 900;
  const last = d.x.length - 1;
  if (last >= 0 && d.x[last] > t) return d;
  if (last >= 0 && d.x[last] === t) {
    const actualKw = d.actualKw.slice();
    actualKw[last] = powerW / 1000;
    return { ...d, actualKw };
  }
  return {
    x: [...d.x, t],
    actualKw: [...d.actualKw, powerW / 1000],
    p10Kw: [...d.p10Kw, null],
    p50Kw: [...d.p50Kw, null],
    p90Kw: [...d.p90Kw, null],
  };
}
