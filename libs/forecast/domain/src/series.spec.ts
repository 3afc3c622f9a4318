import { STEP_15_MIN_MS, indexOf, isKnownAt, regularise, valueAt } from './series';

const T0 = Date.UTC(2024, 0, 1);
const Q = STEP_15_MIN_MS;

describe('regularise', () => {
  it('sorts, averages duplicates, leaves gaps as NaN and keeps negative values', () => {
    const { series, report } = regularise(
      [
        { timeMs: T0 + 3 * Q, value: -5, exogenous: { temp: 3 } },
        { timeMs: T0, value: 10, exogenous: { temp: 1 } },
        { timeMs: T0 + Q, value: 20 },
        { timeMs: T0 + Q, value: 30 },
        { timeMs: T0 + Q + 60_000, value: 99 },
      ],
      { name: 's', stepMs: Q, exogenous: ['temp'] },
    );
    expect(Array.from(series.values)).toEqual([10, 25, Number.NaN, -5]);
    expect(report).toEqual({ inputPoints: 5, duplicates: 1, offGrid: 1, gaps: 1, length: 4 });
    expect(Array.from(series.exogenous['temp'] ?? [])).toEqual([1, Number.NaN, Number.NaN, 3]);
    expect(valueAt(series, T0 + 3 * Q)).toBe(-5);
    expect(indexOf(series, T0 + 7)).toBe(-1);
  });

  it('a value is known once its interval has ended', () => {
    expect(isKnownAt({ stepMs: Q }, T0, T0 + Q)).toBe(true);
    expect(isKnownAt({ stepMs: Q }, T0, T0 + Q - 1)).toBe(false);
  });

  it('rejects an empty series with a stable code', () => {
    expect(() => regularise([], { name: 'x', stepMs: Q })).toThrow('SERIES.INVALID');
  });
});
