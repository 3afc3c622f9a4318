import {
  bussUndBettag,
  dayType,
  easterSunday,
  holidaysSaxony,
  isBridgeDay,
  isPublicHoliday,
  isWorkingDay,
} from './holidays';

describe('holidays in Saxony', () => {
  it('computes Easter Sunday', () => {
    expect(easterSunday(2026)).toEqual({ month: 4, day: 5 });
    expect(easterSunday(2024)).toEqual({ month: 3, day: 31 });
    expect(easterSunday(2025)).toEqual({ month: 4, day: 20 });
    expect(easterSunday(2038)).toEqual({ month: 4, day: 25 });
    expect(easterSunday(2008)).toEqual({ month: 3, day: 23 });
  });

  it('computes Buß- und Bettag as the Wednesday before 23 November', () => {
    expect(bussUndBettag(2026)).toEqual({ month: 11, day: 18 });
    expect(bussUndBettag(2025)).toEqual({ month: 11, day: 19 });
    expect(bussUndBettag(2023)).toEqual({ month: 11, day: 22 });
    expect(bussUndBettag(2028)).toEqual({ month: 11, day: 22 });
  });

  it('lists the 2026 holidays', () => {
    expect(holidaysSaxony(2026)).toEqual([
      { date: '2026-01-01', name: 'Neujahr' },
      { date: '2026-04-03', name: 'Karfreitag' },
      { date: '2026-04-06', name: 'Ostermontag' },
      { date: '2026-05-01', name: 'Tag der Arbeit' },
      { date: '2026-05-14', name: 'Christi Himmelfahrt' },
      { date: '2026-05-25', name: 'Pfingstmontag' },
      { date: '2026-10-03', name: 'Tag der Deutschen Einheit' },
      { date: '2026-10-31', name: 'Reformationstag' },
      { date: '2026-11-18', name: 'Buß- und Bettag' },
      { date: '2026-12-25', name: '1. Weihnachtstag' },
      { date: '2026-12-26', name: '2. Weihnachtstag' },
    ]);
  });

  it('treats Reformationstag as a public holiday in Saxony', () => {
    expect(isPublicHoliday(2026, 10, 31)).toBe(true);
    expect(isPublicHoliday(2026, 11, 18)).toBe(true);
    expect(isPublicHoliday(2026, 11, 1)).toBe(false); // Allerheiligen is not a holiday in Saxony
    expect(isPublicHoliday(2026, 1, 6)).toBe(false); // Heilige Drei Könige neither
  });

  it('finds bridge days', () => {
    expect(isBridgeDay(2026, 5, 15)).toBe(true); // Friday after Christi Himmelfahrt
    expect(isBridgeDay(2026, 5, 13)).toBe(false);
    expect(isBridgeDay(2025, 10, 31)).toBe(false); // Reformationstag itself (Friday)
    expect(isBridgeDay(2027, 10, 4)).toBe(false); // 3 Oct 2027 is a Sunday
    expect(isBridgeDay(2024, 10, 4)).toBe(true); // Friday after Thursday 3 Oct 2024
    expect(isBridgeDay(2029, 4, 30)).toBe(true); // Monday before Tuesday 1 May 2029
    expect(isWorkingDay(2026, 5, 14)).toBe(false);
  });

  it('assigns BDEW day types', () => {
    expect(dayType(2026, 1, 14)).toBe('WT');
    expect(dayType(2026, 1, 17)).toBe('SA');
    expect(dayType(2026, 1, 18)).toBe('FT');
    expect(dayType(2026, 4, 3)).toBe('FT'); // Karfreitag
    expect(dayType(2026, 12, 24)).toBe('SA'); // Thursday, BDEW rule
    expect(dayType(2026, 12, 31)).toBe('SA');
    expect(dayType(2028, 12, 24)).toBe('FT'); // a Sunday stays FT
    expect(dayType(2026, 12, 25)).toBe('FT');
  });
});
