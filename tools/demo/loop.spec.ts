import { defaultIssueTime } from '@gridwerk/forecast/data-access';
import { parseSimulatedClock } from '@gridwerk/shared/util-calendar';
import { dayAheadIssueCovering, nextIntradayRun, nextLocalTime, simulatedScheduleClock } from './loop';

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

  it('on a simulated clock: issue times as the jobs would pick them, and wall-clock delays at its rate', () => {
    const at = (h: 'intraday' | 'day-ahead', iso: string) =>
      new Date(defaultIssueTime(h, 600, Date.parse(iso))).toISOString();
    expect(at('intraday', '2026-12-07T14:16:00Z')).toBe('2026-12-07T14:15:00.000Z');
    expect(at('day-ahead', '2026-12-07T14:16:00Z')).toBe('2026-12-07T09:00:00.000Z'); // 10:00 CET today
    expect(at('day-ahead', '2026-07-08T14:16:00Z')).toBe('2026-07-08T08:00:00.000Z'); // 10:00 CEST today
    const anchor = Date.now();
    const clock = simulatedScheduleClock(
      parseSimulatedClock(`2026-12-07T14:00:00Z@${new Date(anchor).toISOString()}x120`),
    );
    expect(clock.simulated).toBe(true);
    expect(Math.abs(clock.now() - Date.parse('2026-12-07T14:00:00Z'))).toBeLessThan(120 * 1_000);
    // an hour of the simulated clock is 30 s of wall time at 120 times the wall clock
    const delay = clock.delayUntil(Date.parse('2026-12-07T15:00:00Z'));
    expect(delay).toBeGreaterThan(28_000);
    expect(delay).toBeLessThanOrEqual(30_000);
  });
});
