/**
 * Europe/Berlin local time from UTC instants, DST-safe and fast.
 *
 * Since 1996 the EU rule fixes both transitions at 01:00 UTC on the last Sunday of March (CET -> CEST)
 * and the last Sunday of October (CEST -> CET). We compute them arithmetically once per year and cache
 * them, so a conversion is two comparisons and some integer arithmetic — no Intl call in the hot path.
 * `berlinOffsetMinutesIntl` is the slow reference (ICU) the tests compare against.
 */

// Module-level aliases: hot loops avoid global lookups, which are slow inside VM contexts (e.g. Jest).
const { floor, round } = Math;

export const MINUTE_MS = 60_000;
export const QUARTER_HOUR_MS = 15 * MINUTE_MS;
export const HOUR_MS = 60 * MINUTE_MS;
export const DAY_MS = 24 * HOUR_MS;

/** ISO weekday: 1 = Monday .. 7 = Sunday. */
export type IsoWeekday = 1 | 2 | 3 | 4 | 5 | 6 | 7;

export interface LocalDate {
  year: number;
  /** 1-12 */
  month: number;
  /** 1-31 */
  day: number;
  weekday: IsoWeekday;
  /** Wall-clock minute of the day, 0-1439. Repeats for 02:00-02:59 on the autumn transition day. */
  minuteOfDay: number;
  /** Quarter hours elapsed since local midnight: 0-91, 0-95 or 0-99 depending on the day length. */
  quarterHourOfDay: number;
}

/** An instant as epoch milliseconds or a Date. */
export type Instant = number | Date;

function toMs(instant: Instant): number {
  return typeof instant === 'number' ? instant : instant.getTime();
}

/** Days since 1970-01-01 for a proleptic Gregorian civil date (H. Hinnant's algorithm). */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = floor(y / 400);
  const yoe = y - era * 400;
  const mp = month > 2 ? month - 3 : month + 9;
  const doy = floor((153 * mp + 2) / 5) + day - 1;
  const doe = yoe * 365 + floor(yoe / 4) - floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** Inverse of {@link daysFromCivil}; writes into `out` to avoid allocation in hot paths. */
export function civilFromDays(days: number, out: { year: number; month: number; day: number }): void {
  const z = days + 719468;
  const era = floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = floor((doe - floor(doe / 1460) + floor(doe / 36524) - floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + floor(yoe / 4) - floor(yoe / 100));
  const mp = floor((5 * doy + 2) / 153);
  const day = doy - floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  out.year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  out.month = month;
  out.day = day;
}

/** ISO weekday of a civil date (1 = Monday). */
export function isoWeekday(year: number, month: number, day: number): IsoWeekday {
  return isoWeekdayFromDays(daysFromCivil(year, month, day));
}

function isoWeekdayFromDays(days: number): IsoWeekday {
  // 1970-01-01 was a Thursday (ISO 4).
  return (((((days + 3) % 7) + 7) % 7) + 1) as IsoWeekday;
}

/** Day of the year, 1-366. */
export function dayOfYear(year: number, month: number, day: number): number {
  return daysFromCivil(year, month, day) - daysFromCivil(year, 1, 1) + 1;
}

export function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

export function daysInYear(year: number): number {
  return isLeapYear(year) ? 366 : 365;
}

export function daysInMonth(year: number, month: number): number {
  return (
    daysFromCivil(month === 12 ? year + 1 : year, month === 12 ? 1 : month + 1, 1) -
    daysFromCivil(year, month, 1)
  );
}

/** Date of the last Sunday of a month. */
function lastSunday(year: number, month: number): number {
  const last = daysInMonth(year, month);
  const wd = isoWeekday(year, month, last);
  return last - (wd % 7);
}

export interface DstTransitions {
  /** UTC ms at which CEST starts (clocks 02:00 -> 03:00 local). */
  startUtcMs: number;
  /** UTC ms at which CEST ends (clocks 03:00 -> 02:00 local). */
  endUtcMs: number;
}

const transitionCache = new Map<number, DstTransitions>();

/** DST transitions of a year under the EU rule (valid from 1996 on). */
export function dstTransitions(year: number): DstTransitions {
  let t = transitionCache.get(year);
  if (t === undefined) {
    t = {
      startUtcMs: Date.UTC(year, 2, lastSunday(year, 3), 1),
      endUtcMs: Date.UTC(year, 9, lastSunday(year, 10), 1),
    };
    transitionCache.set(year, t);
  }
  return t;
}

// One-entry cache for the year of the last lookup: consecutive calls are almost always in the same year.
let cachedYearStartMs = Number.NaN;
let cachedYearEndMs = Number.NaN;
let cachedDst: DstTransitions = { startUtcMs: 0, endUtcMs: 0 };

/** UTC offset of Europe/Berlin at an instant, in minutes (60 or 120). */
export function berlinOffsetMinutes(instant: Instant): number {
  const ms = toMs(instant);
  if (!(ms >= cachedYearStartMs && ms < cachedYearEndMs)) {
    // The UTC year is fine for the lookup: both transitions lie well inside it.
    const year = new Date(ms).getUTCFullYear();
    cachedDst = dstTransitions(year);
    cachedYearStartMs = Date.UTC(year, 0, 1);
    cachedYearEndMs = Date.UTC(year + 1, 0, 1);
  }
  return ms >= cachedDst.startUtcMs && ms < cachedDst.endUtcMs ? 120 : 60;
}

let intlFormatter: Intl.DateTimeFormat | undefined;

/** Reference implementation through ICU; slow, used to verify {@link berlinOffsetMinutes}. */
export function berlinOffsetMinutesIntl(instant: Instant): number {
  const ms = toMs(instant);
  intlFormatter ??= new Intl.DateTimeFormat('en-US', {
    timeZone: 'Europe/Berlin',
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  });
  const parts: Record<string, number> = {};
  for (const p of intlFormatter.formatToParts(new Date(ms))) {
    if (p.type !== 'literal') parts[p.type] = Number(p.value);
  }
  const asUtc = Date.UTC(
    parts['year'] ?? 0,
    (parts['month'] ?? 1) - 1,
    parts['day'],
    parts['hour'],
    parts['minute'],
    parts['second'],
  );
  return round((asUtc - (ms - (ms % 1000))) / MINUTE_MS);
}

/** UTC instant (ms) of local midnight starting the given Europe/Berlin day. */
export function startOfLocalDayUtc(year: number, month: number, day: number): number {
  const midnightAsUtc = daysFromCivil(year, month, day) * DAY_MS;
  // Transitions happen at 02:00/03:00 local, never at midnight, so the offset at local midnight is
  // whichever of +2h / +1h is self-consistent.
  const cest = midnightAsUtc - 2 * HOUR_MS;
  return berlinOffsetMinutes(cest) === 120 ? cest : midnightAsUtc - HOUR_MS;
}

/** Number of quarter hours in a Europe/Berlin local day: 92 (spring forward), 96 or 100 (fall back). */
export function quarterHoursInLocalDay(year: number, month: number, day: number): number {
  const days = daysFromCivil(year, month, day);
  const scratch = { year: 0, month: 0, day: 0 };
  civilFromDays(days + 1, scratch);
  const len =
    startOfLocalDayUtc(scratch.year, scratch.month, scratch.day) - startOfLocalDayUtc(year, month, day);
  return len / QUARTER_HOUR_MS;
}

const scratchCivil = { year: 0, month: 0, day: 0 };

/** Europe/Berlin local calendar fields of a UTC instant. */
export function localDate(instant: Instant): LocalDate {
  const ms = toMs(instant);
  const offsetMs = berlinOffsetMinutes(ms) * MINUTE_MS;
  const localMs = ms + offsetMs;
  const days = floor(localMs / DAY_MS);
  const msOfDay = localMs - days * DAY_MS;
  civilFromDays(days, scratchCivil);
  const { year, month, day } = scratchCivil;
  const dayStart = startOfLocalDayUtc(year, month, day);
  return {
    year,
    month,
    day,
    weekday: isoWeekdayFromDays(days),
    minuteOfDay: floor(msOfDay / MINUTE_MS),
    quarterHourOfDay: floor((ms - dayStart) / QUARTER_HOUR_MS),
  };
}

/** 'YYYY-MM-DD' */
export function formatIsoDate(year: number, month: number, day: number): string {
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/** Adds days to a civil date. */
export function addDays(
  year: number,
  month: number,
  day: number,
  delta: number,
): { year: number; month: number; day: number } {
  const out = { year: 0, month: 0, day: 0 };
  civilFromDays(daysFromCivil(year, month, day) + delta, out);
  return out;
}
