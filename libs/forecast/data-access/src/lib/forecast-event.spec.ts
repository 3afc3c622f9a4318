import { STEP_15_MIN_MS } from '@gridwerk/forecast/domain';
import { buildForecastIssuedEvent, toContractPoints } from './forecast-event';
import { parseSeriesId } from './series-id';
import { modelVersion } from './usecases/train-forecast-models.usecase';

describe('forecast events', () => {
  const t0 = Date.parse('2025-03-20T23:00:00Z');

  it('rounds to integer Wh, keeps quantiles ordered and drops non-finite points', () => {
    const points = toContractPoints([
      { targetMs: t0, p10: 99.6, p50: 100.4, p90: 100.45 },
      { targetMs: t0 + STEP_15_MIN_MS, p10: Number.NaN, p50: 1, p90: 2 },
      { targetMs: t0 + 2 * STEP_15_MIN_MS, p10: -20.2, p50: -10.5, p90: -3 },
    ]);
    expect(points).toEqual([
      { targetStart: '2025-03-20T23:00:00Z', p10Wh: 100, p50Wh: 100, p90Wh: 100 },
      { targetStart: '2025-03-20T23:30:00Z', p10Wh: -20, p50Wh: -10, p90Wh: -3 },
    ]);
  });

  it('builds a valid event with the stable id series/horizon/issueTime', () => {
    const points = toContractPoints([{ targetMs: t0, p10: 1, p50: 2, p90: 3 }]);
    const ev = buildForecastIssuedEvent(
      parseSeriesId('grid'),
      'day-ahead',
      '2025-03-20T09:00:00Z',
      'v1',
      points,
      Date.parse('2025-03-20T09:01:00Z'),
    );
    expect(ev).toMatchObject({
      id: 'grid/day-ahead/2025-03-20T09:00:00Z',
      type: 'de.gridwerk.forecast.issued.v1',
      subject: 'grid',
      time: '2025-03-20T09:01:00Z',
    });
    expect(ev.data).toMatchObject({ seriesKind: 'grid', stepMinutes: 15, unit: 'Wh', modelVersion: 'v1' });
  });

  it('refuses an event that violates the contract (misaligned target)', () => {
    const points = [{ targetStart: '2025-03-20T23:05:00Z', p10Wh: 1, p50Wh: 2, p90Wh: 3 }];
    expect(() =>
      buildForecastIssuedEvent(parseSeriesId('grid'), 'intraday', '2025-03-20T09:00:00Z', 'v1', points, 0),
    ).toThrow(/RUN.INVALID_EVENT/);
  });
});

describe('model versions', () => {
  const series = (v: number[]) => ({
    name: 's',
    startMs: 0,
    stepMs: STEP_15_MIN_MS as typeof STEP_15_MIN_MS,
    values: Float64Array.from(v),
    exogenous: {},
  });

  it('are stable for the same inputs and change with data, cut-off or settings', () => {
    const a = modelVersion(series([1, 2, 3]), 'day-ahead', Date.parse('2025-03-20T09:00:00Z'), { folds: 4 });
    expect(a).toMatch(/^day-ahead-2025-03-20T09:00:00Z-[0-9a-f]{16}$/);
    expect(
      modelVersion(series([1, 2, 3]), 'day-ahead', Date.parse('2025-03-20T09:00:00Z'), { folds: 4 }),
    ).toBe(a);
    expect(
      modelVersion(series([1, 2, 4]), 'day-ahead', Date.parse('2025-03-20T09:00:00Z'), { folds: 4 }),
    ).not.toBe(a);
    expect(
      modelVersion(series([1, 2, 3]), 'day-ahead', Date.parse('2025-03-20T09:00:00Z'), { folds: 2 }),
    ).not.toBe(a);
  });
});
