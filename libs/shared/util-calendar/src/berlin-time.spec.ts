import {
  berlinOffsetMinutes,
  berlinOffsetMinutesIntl,
  civilFromDays,
  dayOfYear,
  daysFromCivil,
  dstTransitions,
  HOUR_MS,
  isoWeekday,
  localDate,
  quarterHoursInLocalDay,
  QUARTER_HOUR_MS,
  startOfLocalDayUtc,
} from './berlin-time';

describe('Europe/Berlin local time', () => {
  it('converts a summer instant: 2026-07-01T10:00Z is 12:00 local', () => {
    const l = localDate(Date.parse('2026-07-01T10:00:00.000Z'));
    expect(l).toEqual({ year: 2026, month: 7, day: 1, weekday: 3, minuteOfDay: 720, quarterHourOfDay: 48 });
  });

  it('converts a winter instant and the local date across UTC midnight', () => {
    const l = localDate(new Date('2025-12-31T23:30:00.000Z'));
    expect(l).toMatchObject({
      year: 2026,
      month: 1,
      day: 1,
      weekday: 4,
      minuteOfDay: 30,
      quarterHourOfDay: 2,
    });
  });

  it('knows the 2026 transitions: 29 March and 25 October at 01:00 UTC', () => {
    const t = dstTransitions(2026);
    expect(new Date(t.startUtcMs).toISOString()).toBe('2026-03-29T01:00:00.000Z');
    expect(new Date(t.endUtcMs).toISOString()).toBe('2026-10-25T01:00:00.000Z');
  });

  it('counts 92 / 96 / 100 quarter hours on DST days', () => {
    expect(quarterHoursInLocalDay(2026, 3, 29)).toBe(92);
    expect(quarterHoursInLocalDay(2026, 10, 25)).toBe(100);
    expect(quarterHoursInLocalDay(2026, 7, 1)).toBe(96);
    expect(quarterHoursInLocalDay(2026, 1, 14)).toBe(96);
  });

  it('starts local days at the right UTC instant', () => {
    expect(new Date(startOfLocalDayUtc(2026, 1, 14)).toISOString()).toBe('2026-01-13T23:00:00.000Z');
    expect(new Date(startOfLocalDayUtc(2026, 7, 1)).toISOString()).toBe('2026-06-30T22:00:00.000Z');
    expect(new Date(startOfLocalDayUtc(2026, 3, 29)).toISOString()).toBe('2026-03-28T23:00:00.000Z');
    expect(new Date(startOfLocalDayUtc(2026, 10, 25)).toISOString()).toBe('2026-10-24T22:00:00.000Z');
  });

  it('numbers quarter hours 0..99 on the autumn day with the wall clock repeating 02:00-03:00', () => {
    const start = startOfLocalDayUtc(2026, 10, 25);
    const seen: number[] = [];
    const minutes: number[] = [];
    for (let q = 0; q < 100; q++) {
      const l = localDate(start + q * QUARTER_HOUR_MS);
      expect(l.day).toBe(25);
      seen.push(l.quarterHourOfDay);
      minutes.push(l.minuteOfDay);
    }
    expect(seen).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(minutes.slice(8, 16)).toEqual([120, 135, 150, 165, 120, 135, 150, 165]);
    expect(localDate(start + 100 * QUARTER_HOUR_MS)).toMatchObject({ day: 26, quarterHourOfDay: 0 });
  });

  it('skips 02:00-03:00 on the spring day', () => {
    const start = startOfLocalDayUtc(2026, 3, 29);
    expect(localDate(start + 7 * QUARTER_HOUR_MS).minuteOfDay).toBe(105);
    expect(localDate(start + 8 * QUARTER_HOUR_MS)).toMatchObject({ minuteOfDay: 180, quarterHourOfDay: 8 });
    expect(localDate(start + 92 * QUARTER_HOUR_MS)).toMatchObject({ day: 30, quarterHourOfDay: 0 });
  });

  it('agrees with ICU (Intl) hourly over 2019-2032 and at every transition edge', () => {
    let mismatches = 0;
    for (let t = Date.UTC(2019, 0, 1); t < Date.UTC(2033, 0, 1); t += 7 * HOUR_MS) {
      if (berlinOffsetMinutes(t) !== berlinOffsetMinutesIntl(t)) mismatches++;
    }
    for (let y = 2000; y <= 2040; y++) {
      const { startUtcMs, endUtcMs } = dstTransitions(y);
      for (const t of [startUtcMs - 1000, startUtcMs, endUtcMs - 1000, endUtcMs]) {
        if (berlinOffsetMinutes(t) !== berlinOffsetMinutesIntl(t)) mismatches++;
      }
    }
    expect(mismatches).toBe(0);
  });

  it('has consistent civil-date arithmetic', () => {
    const out = { year: 0, month: 0, day: 0 };
    for (let d = daysFromCivil(1999, 1, 1); d < daysFromCivil(2041, 1, 1); d += 13) {
      civilFromDays(d, out);
      expect(daysFromCivil(out.year, out.month, out.day)).toBe(d);
      expect(new Date(d * 86_400_000).getUTCDate()).toBe(out.day);
    }
    expect(isoWeekday(2026, 1, 14)).toBe(3);
    expect(isoWeekday(2026, 6, 14)).toBe(7);
    expect(dayOfYear(2026, 12, 31)).toBe(365);
    expect(dayOfYear(2028, 12, 31)).toBe(366);
  });
});
