import fc from 'fast-check';
import { centsAtPrice, largestRemainder } from './rounding';

describe('largestRemainder', () => {
  it('hands the left-over units to the largest remainders, ties to the earlier index', () => {
    expect(largestRemainder(10, [1, 1, 1])).toEqual([4, 3, 3]);
    expect(largestRemainder(100, [1, 2])).toEqual([33, 67]);
    expect(largestRemainder(5, [0, 0])).toEqual([0, 0]);
  });
  it('always sums to the total and stays within one unit of the exact quota', () => {
    fc.assert(
      fc.property(
        fc.nat({ max: 1_000_000 }),
        fc.array(fc.nat({ max: 100_000 }), { minLength: 1, maxLength: 60 }),
        (t, w) => {
          const W = w.reduce((a, b) => a + b, 0);
          fc.pre(W > 0);
          const parts = largestRemainder(t, w);
          expect(parts.reduce((a, b) => a + b, 0)).toBe(t);
          parts.forEach((p, i) => expect(Math.abs(p - (t * w[i]) / W)).toBeLessThan(1));
        },
      ),
    );
  });
});

describe('centsAtPrice', () => {
  it('keeps whole cents plus the sub-cent rest equal to the exact amount', () => {
    fc.assert(
      fc.property(
        fc.array(fc.nat({ max: 50_000 }), { maxLength: 50 }),
        fc.nat({ max: 90_000 }),
        (wh, price) => {
          const { amountsCt, remainderMicroCt } = centsAtPrice(wh, price);
          const exact = wh.reduce((s, e) => s + e * price, 0);
          expect(amountsCt.reduce((a, b) => a + b, 0) * 1_000_000 + remainderMicroCt).toBe(exact);
          amountsCt.forEach((c, i) => expect(Math.abs(c - (wh[i] * price) / 1e6)).toBeLessThan(1));
        },
      ),
    );
  });
  it('refuses products that would not be exact', () => {
    expect(() => centsAtPrice([Number.MAX_SAFE_INTEGER], 3)).toThrow('SETTLEMENT.ARITHMETIC_OVERFLOW');
  });
});
