import { Rng, deriveSeed, hashString, inverseNormalCdf, normalAt, rngFor, unitAt } from './rng';

describe('rng', () => {
  it('is deterministic per seed and differs across seeds', () => {
    const a = rngFor('leipzig', 'meter', 1);
    const b = rngFor('leipzig', 'meter', 1);
    const c = rngFor('leipzig', 'meter', 2);
    const xs = Array.from({ length: 5 }, () => a.next());
    expect(Array.from({ length: 5 }, () => b.next())).toEqual(xs);
    expect(Array.from({ length: 5 }, () => c.next())).not.toEqual(xs);
    expect(hashString('abc')).toBe(hashString('abc'));
    expect(deriveSeed(1, 'x')).not.toBe(deriveSeed(2, 'x'));
  });

  it('draws uniforms in [0,1) and standard normals', () => {
    const r = new Rng(123);
    let sum = 0;
    let sq = 0;
    const n = 20000;
    let outOfRange = 0;
    for (let i = 0; i < n; i++) {
      const z = r.normal();
      sum += z;
      sq += z * z;
      const u = r.next();
      if (!(u >= 0 && u < 1)) outOfRange++;
    }
    expect(outOfRange).toBe(0);
    expect(Math.abs(sum / n)).toBeLessThan(0.03);
    expect(Math.abs(sq / n - 1)).toBeLessThan(0.05);
  });

  it('provides counter-based draws independent of call order', () => {
    const forward = [0, 1, 2, 3].map((i) => normalAt(77, i));
    const backward = [3, 2, 1, 0].map((i) => normalAt(77, i)).reverse();
    expect(backward).toEqual(forward);
    let sum = 0;
    let sq = 0;
    const n = 50000;
    let outOfRange = 0;
    for (let i = 0; i < n; i++) {
      const z = normalAt(5, i);
      sum += z;
      sq += z * z;
      const u = unitAt(5, i);
      if (!(u >= 0 && u < 1)) outOfRange++;
    }
    expect(outOfRange).toBe(0);
    expect(Math.abs(sum / n)).toBeLessThan(0.02);
    expect(Math.abs(sq / n - 1)).toBeLessThan(0.03);
    expect(inverseNormalCdf(0.975)).toBeCloseTo(1.959964, 5);
  });
});
