import {
  DAY_MS,
  HOUR_MS,
  MINUTE_MS,
  addDays,
  berlinOffsetMinutes,
  daysFromCivil,
  localDate,
} from '@gridwerk/shared/util-calendar';

/**
 * UTC instant of a Europe/Berlin wall-clock time. A wall time that does not exist (spring forward,
 * 02:00-02:59) maps one hour later; an ambiguous one (fall back) maps to its first (CEST) occurrence.
 */
export function berlinWallTimeToUtc(year: number, month: number, day: number, minuteOfDay: number): number {
  const wall = daysFromCivil(year, month, day) * DAY_MS + minuteOfDay * MINUTE_MS;
  const summer = wall - 2 * HOUR_MS;
  return berlinOffsetMinutes(summer) === 120 ? summer : wall - HOUR_MS;
}

/**
 * The same Europe/Berlin wall-clock time `days` local days earlier. Load follows local clocks, so across
 * a DST change "one day before" is 23 or 25 hours before, not 24.
 */
export function sameLocalTimeDaysBefore(t: number, days: number): number {
  const l = localDate(t);
  const d = addDays(l.year, l.month, l.day, -days);
  // Keep sub-minute precision (timestamps are on 15/60-minute grids, so this is 0 in practice).
  const rest = ((t % MINUTE_MS) + MINUTE_MS) % MINUTE_MS;
  return berlinWallTimeToUtc(d.year, d.month, d.day, l.minuteOfDay) + rest;
}
