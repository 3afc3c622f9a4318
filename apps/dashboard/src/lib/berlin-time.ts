import {
  QUARTER_HOUR_MS,
  addDays,
  berlinOffsetMinutes,
  localDate,
  quarterHoursInLocalDay,
  startOfLocalDayUtc,
} from '@gridwerk/shared/util-calendar';

/**
 * Europe/Berlin presentation of UTC instants. Data is exchanged as UTC instants on quarter hours; every
 * label the operator reads is Berlin wall-clock time. On the autumn transition day the hour 02:00-02:59
 * exists twice, so its labels carry the zone (MESZ/MEZ, CEST/CET) to stay unambiguous.
 */
export type Locale = 'de' | 'en';

export interface QuarterHourSlot {
  /** UTC epoch ms of the quarter hour's start. */
  startUtcMs: number;
  /** Wall-clock label, e.g. '02:15' or '02:15 MEZ' on the repeated hour. */
  label: string;
}

export interface CivilDay {
  year: number;
  month: number;
  day: number;
}

const pad2 = (n: number): string => (n < 10 ? `0${n}` : String(n));

function zoneName(offsetMinutes: number, locale: Locale): string {
  if (locale === 'de') return offsetMinutes === 120 ? 'MESZ' : 'MEZ';
  return offsetMinutes === 120 ? 'CEST' : 'CET';
}

/** True when the wall-clock time of this instant occurs twice (the repeated hour in October). */
export function isAmbiguousWallClock(ms: number): boolean {
  const hourEarlier = ms - 60 * 60_000;
  const hourLater = ms + 60 * 60_000;
  const wall = localDate(ms).minuteOfDay;
  return localDate(hourEarlier).minuteOfDay === wall || localDate(hourLater).minuteOfDay === wall;
}

/** 'HH:mm' in Berlin, with the zone appended on the repeated hour. */
export function formatBerlinTime(ms: number, locale: Locale): string {
  const d = localDate(ms);
  const text = `${pad2(Math.floor(d.minuteOfDay / 60))}:${pad2(d.minuteOfDay % 60)}`;
  return isAmbiguousWallClock(ms) ? `${text} ${zoneName(berlinOffsetMinutes(ms), locale)}` : text;
}

/** Berlin calendar date: 'DD.MM.YYYY' (de) or 'YYYY-MM-DD' (en). */
export function formatBerlinDate(ms: number, locale: Locale): string {
  const d = localDate(ms);
  return locale === 'de'
    ? `${pad2(d.day)}.${pad2(d.month)}.${d.year}`
    : `${d.year}-${pad2(d.month)}-${pad2(d.day)}`;
}

/** Short Berlin date for chart axes: 'DD.MM.' (de) or 'MM-DD' (en). */
export function formatBerlinDayShort(ms: number, locale: Locale): string {
  const d = localDate(ms);
  return locale === 'de' ? `${pad2(d.day)}.${pad2(d.month)}.` : `${pad2(d.month)}-${pad2(d.day)}`;
}

/**
 * Axis labels for instants spread over `spanMs`: times of day for short spans, dates for long ones,
 * with the date added where a day starts, always in Berlin time.
 */
export function axisLabels(splitsMs: readonly number[], spanMs: number, locale: Locale): string[] {
  if (spanMs > 3 * 86_400_000) return splitsMs.map((ms) => formatBerlinDayShort(ms, locale));
  return splitsMs.map((ms, i) => {
    const time = formatBerlinTime(ms, locale);
    const prev = splitsMs[i - 1];
    const newDay = prev === undefined || localDate(prev).day !== localDate(ms).day;
    return newDay ? `${time}\n${formatBerlinDayShort(ms, locale)}` : time;
  });
}

export function formatBerlinDateTime(ms: number, locale: Locale): string {
  return `${formatBerlinDate(ms, locale)} ${formatBerlinTime(ms, locale)}`;
}

/** The Berlin calendar day an instant falls on. */
export function berlinDayOf(ms: number): CivilDay {
  const { year, month, day } = localDate(ms);
  return { year, month, day };
}

/** [start, end) of a Berlin calendar day as UTC epoch ms: 23, 24 or 25 hours long. */
export function berlinDayRange(day: CivilDay): { fromMs: number; toMs: number } {
  const next = addDays(day.year, day.month, day.day, 1);
  return {
    fromMs: startOfLocalDayUtc(day.year, day.month, day.day),
    toMs: startOfLocalDayUtc(next.year, next.month, next.day),
  };
}

/** The quarter hours of a Berlin day: 92 on the spring transition day, 100 in autumn, else 96. */
export function berlinDaySlots(day: CivilDay, locale: Locale): QuarterHourSlot[] {
  const count = quarterHoursInLocalDay(day.year, day.month, day.day);
  const { fromMs } = berlinDayRange(day);
  const slots: QuarterHourSlot[] = [];
  for (let i = 0; i < count; i++) {
    const startUtcMs = fromMs + i * QUARTER_HOUR_MS;
    slots.push({ startUtcMs, label: formatBerlinTime(startUtcMs, locale) });
  }
  return slots;
}

/** The Berlin days from `days` back to the day of `nowMs`, as a [from, to) range of whole local days. */
export function lastBerlinDays(nowMs: number, days: number): { fromMs: number; toMs: number } {
  const today = berlinDayOf(nowMs);
  const first = addDays(today.year, today.month, today.day, -(days - 1));
  return { fromMs: berlinDayRange(first).fromMs, toMs: berlinDayRange(today).toMs };
}

/** Age of a value in whole seconds, never negative. */
export function ageSeconds(observedAtMs: number, nowMs: number): number {
  return Math.max(0, Math.floor((nowMs - observedAtMs) / 1000));
}
