import { dayAheadIssueCovering, nextIntradayRun, nextLocalTime } from './loop';

describe('the forecast schedule of the demo', () => {
  it('runs intraday a minute after each quarter hour', () => {
    expect(new Date(nextIntradayRun(Date.parse('2026-12-07T07:03:10Z'))).toISOString()).toBe(
      '2026-12-07T07:16:00.000Z',
    );
    expect(new Date(nextIntradayRun(Date.parse('2026-12-07T07:00:30Z'))).toISOString()).toBe(
      '2026-12-07T07:01:00.000Z',
    );
    expect(new Date(nextIntradayRun(Date.parse('2026-12-07T07:01:00Z'))).toISOString()).toBe(
      '2026-12-07T07:16:00.000Z',
    );
  });

  it('runs day-ahead daily at its Berlin issue time, across the DST changes', () => {
    const at = (iso: string) => new Date(nextLocalTime(Date.parse(iso), 600)).toISOString();
    expect(at('2026-12-07T08:59:00Z')).toBe('2026-12-07T09:00:00.000Z'); // 10:00 CET today
    expect(at('2026-12-07T09:00:00Z')).toBe('2026-12-08T09:00:00.000Z'); // issued: tomorrow
    expect(at('2026-07-08T12:00:00Z')).toBe('2026-07-09T08:00:00.000Z'); // 10:00 CEST
    expect(at('2026-03-28T12:00:00Z')).toBe('2026-03-29T08:00:00.000Z'); // spring: CET → CEST
    expect(at('2026-10-24T12:00:00Z')).toBe('2026-10-25T09:00:00.000Z'); // autumn: CEST → CET
  });

  it('issues, at start, the day-ahead forecast that covers today: yesterday at the issue time', () => {
    const at = (iso: string) => new Date(dayAheadIssueCovering(Date.parse(iso), 600)).toISOString();
    expect(at('2026-12-07T10:35:00Z')).toBe('2026-12-06T09:00:00.000Z'); // 10:00 CET yesterday
    expect(at('2026-12-06T23:30:00Z')).toBe('2026-12-06T09:00:00.000Z'); // 00:30 Berlin on the 7th
    expect(at('2026-07-08T05:00:00Z')).toBe('2026-07-07T08:00:00.000Z'); // 10:00 CEST
    expect(at('2026-03-29T12:00:00Z')).toBe('2026-03-28T09:00:00.000Z'); // the day after CET → CEST: issued in CET
    expect(at('2026-10-25T12:00:00Z')).toBe('2026-10-24T08:00:00.000Z'); // the day after CEST → CET: issued in CEST
  });
});
