import { classifyLoading, loadingPct, STALE_AFTER_S } from './loading';

describe('loading classes', () => {
  it('grades power against the rating', () => {
    expect(loadingPct(315_000, 630)).toBe(50);
    expect(classifyLoading({ powerW: 100_000, ratedKva: 400, ageS: 0 })).toBe('normal');
    expect(classifyLoading({ powerW: 280_000, ratedKva: 400, ageS: 0 })).toBe('elevated');
    expect(classifyLoading({ powerW: 350_000, ratedKva: 400, ageS: 0 })).toBe('high');
    expect(classifyLoading({ powerW: 400_000, ratedKva: 400, ageS: 0 })).toBe('overload');
  });

  it('marks strong reverse flow, stale and unknown values', () => {
    expect(classifyLoading({ powerW: -250_000, ratedKva: 400, ageS: 0 })).toBe('reverse');
    expect(classifyLoading({ powerW: -50_000, ratedKva: 400, ageS: 0 })).toBe('normal');
    expect(classifyLoading({ powerW: 400_000, ratedKva: 400, ageS: STALE_AFTER_S + 1 })).toBe('stale');
    expect(classifyLoading({ powerW: null, ratedKva: 400, ageS: 0 })).toBe('unknown');
    expect(classifyLoading({ powerW: 5, ratedKva: null, ageS: 0 })).toBe('unknown');
  });
});
