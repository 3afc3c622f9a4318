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
    const m = mergeForecastIssues([dayAhead, intraday], T0, 96);
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
});
