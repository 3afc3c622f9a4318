import { dayAheadHorizon, formatHorizon, horizonOrigins, horizonTargets, parseHorizon } from './horizons';

const Q = 15 * 60_000;

describe('horizons', () => {
  it('day-ahead covers the next local day: 96 quarter hours, 92 and 100 on DST days', () => {
    const h = dayAheadHorizon();
    const origin = Date.UTC(2024, 5, 10, 8); // 10:00 CEST
    const t = horizonTargets(h, origin, Q);
    expect(t).toHaveLength(96);
    expect(t[0]).toBe(Date.UTC(2024, 5, 10, 22)); // 00:00 CEST next day
    expect(horizonTargets(h, Date.UTC(2024, 2, 30, 9), Q)).toHaveLength(92);
    expect(horizonTargets(h, Date.UTC(2024, 9, 26, 8), Q)).toHaveLength(100);
    expect(horizonTargets(h, origin, 3_600_000)).toHaveLength(24);
  });

  it('issues day-ahead at the local issue time of the day before, one origin per delivery day', () => {
    const origins = horizonOrigins(
      parseHorizon('day-ahead', '09:30'),
      Date.UTC(2024, 2, 30, 23),
      Date.UTC(2024, 3, 2, 22),
      Q,
    );
    // Delivery days 31 Mar (issued 30 Mar 09:30 CET), 1 Apr and 2 Apr (issued 09:30 CEST).
    expect(origins).toEqual([
      Date.UTC(2024, 2, 30, 8, 30),
      Date.UTC(2024, 2, 31, 7, 30),
      Date.UTC(2024, 3, 1, 7, 30),
    ]);
    expect(() => parseHorizon('day-ahead', '12:30')).toThrow('HORIZON.INVALID');
  });

  it('intraday defaults to 4 hours of 15-minute steps; PT<n>H sets the length', () => {
    const h = parseHorizon('intraday');
    expect(formatHorizon(h)).toBe('PT4H');
    expect(horizonTargets(h, Date.UTC(2024, 0, 1, 12), Q)).toHaveLength(16);
    expect(horizonTargets(parseHorizon('PT6H'), Date.UTC(2024, 0, 1, 12), Q)).toHaveLength(24);
    expect(horizonOrigins(h, Date.UTC(2024, 0, 1), Date.UTC(2024, 0, 1, 1), Q)).toHaveLength(4);
    expect(() => parseHorizon('P1D')).toThrow('HORIZON.INVALID');
  });
});
