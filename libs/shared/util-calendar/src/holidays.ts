import { addDays, daysFromCivil, formatIsoDate, isoWeekday } from './berlin-time';

// Module-level aliases: hot loops avoid global lookups, which are slow inside VM contexts (e.g. Jest).
const { floor } = Math;

export interface Holiday {
  /** 'YYYY-MM-DD' */
  date: string;
  name: string;
}

/** BDEW standard-load-profile day type: working day, Saturday, Sunday/holiday. */
export type BdewDayType = 'WT' | 'SA' | 'FT';

/** Easter Sunday (Gregorian) by the anonymous Gregorian ("Meeus/Jones/Butcher") form of Gauss's algorithm. */
export function easterSunday(year: number): { month: number; day: number } {
  const a = year % 19;
  const b = floor(year / 100);
  const c = year % 100;
  const d = floor(b / 4);
  const e = b % 4;
  const f = floor((b + 8) / 25);
  const g = floor((b - f + 1) / 3);
  const h = (19 * a + b - d - g + 15) % 30;
  const i = floor(c / 4);
  const k = c % 4;
  const l = (32 + 2 * e + 2 * i - h - k) % 7;
  const m = floor((a + 11 * h + 22 * l) / 451);
  const month = floor((h + l - 7 * m + 114) / 31);
  const day = ((h + l - 7 * m + 114) % 31) + 1;
  return { month, day };
}

/** Buß- und Bettag: the Wednesday before 23 November (i.e. in 16..22 November). */
export function bussUndBettag(year: number): { month: number; day: number } {
  const wd = isoWeekday(year, 11, 22); // 3 = Wednesday
  const back = (wd - 3 + 7) % 7;
  return { month: 11, day: 22 - back };
}

const holidayCache = new Map<number, { list: Holiday[]; keys: Set<number> }>();

function key(year: number, month: number, day: number): number {
  return year * 10000 + month * 100 + day;
}

function compute(year: number): { list: Holiday[]; keys: Set<number> } {
  const easter = easterSunday(year);
  const rel = (delta: number, name: string): Holiday & { k: number } => {
    const d = addDays(year, easter.month, easter.day, delta);
    return { date: formatIsoDate(d.year, d.month, d.day), name, k: key(d.year, d.month, d.day) };
  };
  const fixed = (month: number, day: number, name: string): Holiday & { k: number } => ({
    date: formatIsoDate(year, month, day),
    name,
    k: key(year, month, day),
  });
  const buss = bussUndBettag(year);
  const all = [
    fixed(1, 1, 'Neujahr'),
    rel(-2, 'Karfreitag'),
    rel(1, 'Ostermontag'),
    fixed(5, 1, 'Tag der Arbeit'),
    rel(39, 'Christi Himmelfahrt'),
    rel(50, 'Pfingstmontag'),
    fixed(10, 3, 'Tag der Deutschen Einheit'),
    fixed(10, 31, 'Reformationstag'),
    fixed(buss.month, buss.day, 'Buß- und Bettag'),
    fixed(12, 25, '1. Weihnachtstag'),
    fixed(12, 26, '2. Weihnachtstag'),
  ].sort((x, y) => x.k - y.k);
  return { list: all.map(({ date, name }) => ({ date, name })), keys: new Set(all.map((h) => h.k)) };
}

function forYear(year: number): { list: Holiday[]; keys: Set<number> } {
  let entry = holidayCache.get(year);
  if (entry === undefined) {
    entry = compute(year);
    holidayCache.set(year, entry);
  }
  return entry;
}

/** Public holidays in Saxony (nationwide ones plus Reformationstag and Buß- und Bettag), sorted by date. */
export function holidaysSaxony(year: number): Holiday[] {
  return forYear(year).list.map((h) => ({ ...h }));
}

/** Whether the date is a public holiday in Saxony. */
export function isPublicHoliday(year: number, month: number, day: number): boolean {
  return forYear(year).keys.has(key(year, month, day));
}

function isNonWorkingDay(days: number): boolean {
  const d = addDays(1970, 1, 1, days);
  const wd = isoWeekday(d.year, d.month, d.day);
  return wd >= 6 || isPublicHoliday(d.year, d.month, d.day);
}

/** Monday to Friday and not a public holiday. */
export function isWorkingDay(year: number, month: number, day: number): boolean {
  return !isNonWorkingDay(daysFromCivil(year, month, day));
}

/**
 * A bridge day (Brückentag): a working day between a public holiday and a weekend, e.g. the Friday after
 * Christi Himmelfahrt or a Monday before a Tuesday holiday.
 */
export function isBridgeDay(year: number, month: number, day: number): boolean {
  const days = daysFromCivil(year, month, day);
  if (isNonWorkingDay(days)) return false;
  const prev = addDays(year, month, day, -1);
  const next = addDays(year, month, day, 1);
  const prevHoliday = isPublicHoliday(prev.year, prev.month, prev.day);
  const nextHoliday = isPublicHoliday(next.year, next.month, next.day);
  const prevWeekend = isoWeekday(prev.year, prev.month, prev.day) >= 6;
  const nextWeekend = isoWeekday(next.year, next.month, next.day) >= 6;
  return (prevHoliday && nextWeekend) || (prevWeekend && nextHoliday);
}

/**
 * BDEW day type for standard load profiles: Sundays and public holidays are FT, Saturdays SA, other days
 * WT — except that 24 and 31 December count as SA when they fall on a working day (BDEW rule).
 */
export function dayType(year: number, month: number, day: number): BdewDayType {
  const wd = isoWeekday(year, month, day);
  if (wd === 7 || isPublicHoliday(year, month, day)) return 'FT';
  if (wd === 6) return 'SA';
  if (month === 12 && (day === 24 || day === 31)) return 'SA';
  return 'WT';
}
