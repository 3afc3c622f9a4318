import { addDays, localDate, startOfLocalDayUtc } from '@gridwerk/shared/util-calendar';
import { ForecastError } from './errors';
import { berlinWallTimeToUtc } from './local-time';

/**
 * Day-ahead: issued once a day at a local time before noon (the day-ahead market's gate closure) for
 * every step of the next Europe/Berlin day — 96 quarter hours, 92 or 100 on DST days.
 */
export interface DayAheadHorizon {
  kind: 'day-ahead';
  /** Issue time as minutes after local midnight of the day before delivery; < 720. Default 600 (10:00). */
  issueMinuteOfDay: number;
}

/** Intraday: issued every `issueEveryMs`, covering the next `durationMs` step by step. */
export interface IntradayHorizon {
  kind: 'intraday';
  durationMs: number;
  /** Production issues every step (15 min); backtests may subsample (see BacktestOptions). */
  issueEveryMs: number;
}

export type Horizon = DayAheadHorizon | IntradayHorizon;

const HOUR = 3_600_000;
export const DEFAULT_DAY_AHEAD_ISSUE_MINUTE = 10 * 60;
export const DEFAULT_INTRADAY_DURATION_MS = 4 * HOUR;

export function dayAheadHorizon(issueMinuteOfDay = DEFAULT_DAY_AHEAD_ISSUE_MINUTE): DayAheadHorizon {
  if (!Number.isInteger(issueMinuteOfDay) || issueMinuteOfDay < 0 || issueMinuteOfDay >= 720) {
    throw new ForecastError(
      'HORIZON.INVALID',
      `day-ahead issue time must be a local time before 12:00, got minute ${issueMinuteOfDay}`,
    );
  }
  return { kind: 'day-ahead', issueMinuteOfDay };
}

export function intradayHorizon(
  durationMs = DEFAULT_INTRADAY_DURATION_MS,
  issueEveryMs = 15 * 60_000,
): IntradayHorizon {
  if (!(durationMs > 0 && durationMs <= 48 * HOUR) || durationMs % (15 * 60_000) !== 0) {
    throw new ForecastError(
      'HORIZON.INVALID',
      `intraday duration must be a multiple of 15 minutes up to 48 h, got ${durationMs / 60_000} min`,
    );
  }
  return { kind: 'intraday', durationMs, issueEveryMs };
}

/**
 * `day-ahead`, `intraday` (= PT4H) or an ISO-8601 duration `PT<n>H` / `PT<n>M`. `issueAt` ('HH:MM', local)
 * only applies to day-ahead.
 */
export function parseHorizon(text: string, issueAt?: string): Horizon {
  const t = text.trim();
  if (t === 'day-ahead') {
    if (issueAt === undefined) return dayAheadHorizon();
    const m = /^(\d{1,2}):(\d{2})$/.exec(issueAt.trim());
    if (m === null) throw new ForecastError('HORIZON.INVALID', `issue time "${issueAt}" is not HH:MM`);
    return dayAheadHorizon(Number(m[1]) * 60 + Number(m[2]));
  }
  if (t === 'intraday') return intradayHorizon();
  const m = /^PT(?:(\d+)H)?(?:(\d+)M)?$/i.exec(t);
  if (m !== null && (m[1] !== undefined || m[2] !== undefined)) {
    return intradayHorizon((Number(m[1] ?? 0) * 60 + Number(m[2] ?? 0)) * 60_000);
  }
  throw new ForecastError('HORIZON.INVALID', `horizon "${text}" is not day-ahead, intraday or PT<n>H`);
}

/** `day-ahead` or the ISO-8601 duration of an intraday horizon. */
export function formatHorizon(h: Horizon): string {
  if (h.kind === 'day-ahead') return 'day-ahead';
  const min = h.durationMs / 60_000;
  return min % 60 === 0 ? `PT${min / 60}H` : `PT${min}M`;
}

/** Target interval starts for a forecast issued at `originMs`. */
export function horizonTargets(h: Horizon, originMs: number, stepMs: number): number[] {
  const out: number[] = [];
  if (h.kind === 'day-ahead') {
    const l = localDate(originMs);
    const d = addDays(l.year, l.month, l.day, 1);
    const n = addDays(l.year, l.month, l.day, 2);
    const from = startOfLocalDayUtc(d.year, d.month, d.day);
    const to = startOfLocalDayUtc(n.year, n.month, n.day);
    for (let t = from; t < to; t += stepMs) out.push(t);
  } else {
    const first = Math.ceil(originMs / stepMs) * stepMs;
    for (let t = first; t < originMs + h.durationMs; t += stepMs) out.push(t);
  }
  return out;
}

/** Issue time of the day-ahead forecast for the local delivery day containing `deliveryMs`. */
export function dayAheadOriginFor(h: DayAheadHorizon, deliveryMs: number): number {
  const l = localDate(deliveryMs);
  const prev = addDays(l.year, l.month, l.day, -1);
  return berlinWallTimeToUtc(prev.year, prev.month, prev.day, h.issueMinuteOfDay);
}

/**
 * Issue times whose targets start at or after `fromMs` and whose first target starts before `toMs`.
 * Day-ahead: one per local delivery day starting at or after `fromMs`. Intraday: every `everyMs`
 * (default the horizon's issue interval) from the first grid point ≥ `fromMs`.
 */
export function horizonOrigins(
  h: Horizon,
  fromMs: number,
  toMs: number,
  stepMs: number,
  everyMs?: number,
): number[] {
  const out: number[] = [];
  if (h.kind === 'day-ahead') {
    const l = localDate(fromMs);
    let day = { year: l.year, month: l.month, day: l.day };
    let start = startOfLocalDayUtc(day.year, day.month, day.day);
    if (start < fromMs) {
      day = addDays(day.year, day.month, day.day, 1);
      start = startOfLocalDayUtc(day.year, day.month, day.day);
    }
    while (start < toMs) {
      out.push(dayAheadOriginFor(h, start));
      day = addDays(day.year, day.month, day.day, 1);
      start = startOfLocalDayUtc(day.year, day.month, day.day);
    }
  } else {
    const every = everyMs ?? h.issueEveryMs;
    const grid = Math.max(every, stepMs);
    for (let o = Math.ceil(fromMs / grid) * grid; o < toMs; o += grid) out.push(o);
  }
  return out;
}
