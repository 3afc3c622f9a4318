import { mergeForecastIssues, ForecastIssueInput } from './forecast-merge';
import { STEP_MS } from './types';

const T0 = Date.parse('2026-01-14T11:00:00Z');
const issue = (
  horizon: string,
  issueTimeMs: number,
  fromStep: number,
  steps: number,
  p50: number,
): ForecastIssueInput => ({
  horizon,
  issueTimeMs,
  modelVersion: `${horizon}-v`,
  points: Array.from({ length: steps }, (_, k) => ({
    targetStartMs: T0 + (fromStep + k) * STEP_MS,
    p10Wh: p50 - 10,
    p50Wh: p50,
    p90Wh: p50 + 10 + k,
  })),
});

describe('mergeForecastIssues', () => {
  it('takes the intraday issue where it reaches and the day-ahead issue for the rest of the horizon', () => {
    const dayAhead = issue('day-ahead', T0 - 20 * 3_600_000, -44, 140, 1000);
    const intraday = issue('intraday', T0, 0, 16, 2000);
    const m = mergeForecastIssues([dayAhead, intraday], T0, 96, { alignment: 'off' });
    expect(m.alignment).toBeUndefined();
    expect(m.series.p50Wh.slice(0, 16)).toEqual(new Array(16).fill(2000));
    expect(m.series.p50Wh.slice(16)).toEqual(new Array(80).fill(1000));
    // the quantiles of the issue that won each quarter hour
    expect(m.series.p90Wh[0]).toBe(2010);
    expect(m.series.p90Wh[16]).toBe(1000 + 10 + 60);
    expect(m.coverageEndMs).toBe(T0 + 96 * STEP_MS);
    expect(m.filledSteps).toBe(0);
    expect(m.spans.map((s) => [s.horizon, (s.untilMs - s.fromMs) / STEP_MS])).toEqual([
      ['intraday', 16],
      ['day-ahead', 80],
    ]);
  });

  it('prefers the freshest issue per quarter hour, whatever its horizon', () => {
    const oldIntraday = issue('intraday', T0 - 2 * STEP_MS, 0, 8, 2000);
    const newDayAhead = issue('day-ahead', T0 - STEP_MS, 4, 20, 500);
    const m = mergeForecastIssues([oldIntraday, newDayAhead], T0, 24);
    expect(m.series.p50Wh.slice(0, 4)).toEqual([2000, 2000, 2000, 2000]);
    expect(m.series.p50Wh.slice(4)).toEqual(new Array(20).fill(500));
  });

  it('fills quarter hours no issue covers from the same quarter hour a day earlier and counts them', () => {
    const dayAhead = issue('day-ahead', T0 - 3_600_000, -10, 96, 700);
    const m = mergeForecastIssues([dayAhead], T0, 120);
    expect(m.coverageEndMs).toBe(T0 + 86 * STEP_MS);
    expect(m.filledSteps).toBe(34);
    // step 86 is one day after step -10, which the issue covers
    expect(m.series.p50Wh[86]).toBe(700);
    expect(m.series.p90Wh[86]).toBe(700 + 10 + 0);
    expect(m.spans.at(-1)).toMatchObject({ kind: 'filled', fromMs: T0 + 86 * STEP_MS });
  });

  it('reports no coverage when nothing covers the first quarter hour', () => {
    const later = issue('day-ahead', T0, 4, 10, 300);
    const m = mergeForecastIssues([later], T0, 20);
    expect(m.coverageEndMs).toBe(T0);
    expect(m.series.p50Wh[4]).toBe(300);
  });

  describe('aligns the day-ahead part to the level of the latest intraday issue', () => {
    // day-ahead 1000 Wh throughout; the intraday issue (16 quarter hours) sees 1200: the day runs 20 % high
    const dayAhead = issue('day-ahead', T0 - 20 * 3_600_000, -44, 140, 1000);
    const intraday = issue('intraday', T0, 0, 16, 1200);

    it('scales the quantiles beyond its reach by the ratio, fading out over the fade', () => {
      const m = mergeForecastIssues([dayAhead, intraday], T0, 96, {
        alignment: 'scale',
        alignmentFadeSteps: 40,
      });
      expect(m.alignment).toEqual({ kind: 'scale', value: 1.2, overlapSteps: 16, fadeSteps: 40 });
      expect(m.series.p50Wh.slice(0, 16)).toEqual(new Array(16).fill(1200));
      expect(m.series.p50Wh[16]).toBeCloseTo(1200, 6);
      expect(m.series.p50Wh[36]).toBeCloseTo(1100, 6); // halfway through the fade
      expect(m.series.p50Wh.slice(56)).toEqual(new Array(40).fill(1000));
      // P10 and P90 move with the P50
      expect(m.series.p10Wh[16]).toBeCloseTo(990 * 1.2, 6);
      expect(m.series.p90Wh[16]).toBeCloseTo((1000 + 10 + 60) * 1.2, 6);
      // the source of each quarter hour stays the issue's
      expect(m.spans.map((s) => s.horizon)).toEqual(['intraday', 'day-ahead']);
    });

    it('shifts by the mean difference when asked, or where the load is too small for a ratio', () => {
      const shifted = mergeForecastIssues([dayAhead, intraday], T0, 96, { alignment: 'shift' });
      expect(shifted.alignment).toMatchObject({ kind: 'shift', value: 200 });
      expect(shifted.series.p50Wh[16]).toBeCloseTo(1200, 6);
      expect(shifted.series.p10Wh[16]).toBeCloseTo(1190, 6);
      // net load around zero (PV): no ratio, the shift stands in
      const pv = mergeForecastIssues(
        [issue('day-ahead', T0 - 20 * 3_600_000, -44, 140, -50), issue('intraday', T0, 0, 16, 30)],
        T0,
        96,
        { alignment: 'scale' },
      );
      expect(pv.alignment).toMatchObject({ kind: 'shift', value: 80 });
      expect(pv.series.p50Wh[16]).toBeCloseTo(30, 6);
    });

    it('bounds the ratio and leaves alone a day-ahead issue out after the intraday one', () => {
      const broken = mergeForecastIssues([dayAhead, issue('intraday', T0, 0, 16, 9000)], T0, 24, {
        alignment: 'scale',
      });
      expect(broken.alignment).toMatchObject({ kind: 'scale', value: 2 });
      const fresh = issue('day-ahead', T0 + STEP_MS, 16, 20, 500);
      const m = mergeForecastIssues([dayAhead, intraday, fresh], T0, 40, { alignment: 'scale' });
      expect(m.series.p50Wh.slice(16, 36)).toEqual(new Array(20).fill(500));
      expect(m.series.p50Wh[36]).toBeGreaterThan(1000);
      // without an intraday issue nothing is aligned, and by default nothing at all
      expect(mergeForecastIssues([dayAhead], T0, 96, { alignment: 'scale' }).alignment).toBeUndefined();
      expect(mergeForecastIssues([dayAhead, intraday], T0, 96).alignment).toBeUndefined();
    });
  });
});
