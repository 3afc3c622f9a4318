/**
 * Seeded randomness. Two flavours:
 *  - {@link Rng}: a sequential mulberry32 stream, used where a fixed sequence of draws is natural
 *    (topology generation: one stream per entity, seeded from (seed, entity kind, index)).
 *  - counter-based draws ({@link hash32}, {@link unitAt}, {@link normalAt}): a pure function of
 *    (key, counter), used for time series noise, so a value at time t never depends on where a run started
 *    or on the order in which entities are visited.
 */

// Module-level aliases: hot loops avoid global lookups, which are slow inside VM contexts (e.g. Jest).
const { cos, floor, imul, log, sin, sqrt } = Math;

/** 32-bit string hash (FNV-1a followed by a murmur3 finaliser for avalanche). */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = imul(h, 0x01000193);
  }
  return fmix32(h);
}

/** murmur3 32-bit finaliser. */
export function fmix32(x: number): number {
  let h = x | 0;
  h ^= h >>> 16;
  h = imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Mixes a key and a counter into a well-distributed 32-bit value. */
export function hash32(key: number, counter: number): number {
  return fmix32((key ^ fmix32(imul(counter | 0, 0x9e3779b1) + 0x7f4a7c15)) + imul(key, 0x27d4eb2f));
}

/** Derives a seed from a root seed and a path of labels, e.g. deriveSeed(seed, 'meter', 17). */
export function deriveSeed(seed: number | string, ...parts: (string | number)[]): number {
  let h = typeof seed === 'number' ? fmix32(seed ^ 0x5bd1e995) : hashString(seed);
  for (const p of parts) {
    h = hash32(h, typeof p === 'number' ? p : hashString(p));
  }
  return h;
}

/** Uniform in [0, 1) from (key, counter). */
export function unitAt(key: number, counter: number): number {
  return hash32(key, counter) / 4294967296;
}

const NORMAL_TABLE_BITS = 12;
const NORMAL_TABLE_MASK = (1 << NORMAL_TABLE_BITS) - 1;

/**
 * 4096 standard normal values at the midpoints of equal-probability bins (inverse CDF), then standardised
 * to mean 0 / variance 1 exactly. Indexing it with a hash gives a normal variate for the price of a hash.
 */
const NORMAL_TABLE: Float64Array = (() => {
  const n = 1 << NORMAL_TABLE_BITS;
  const t = new Float64Array(n);
  for (let i = 0; i < n; i++) t[i] = inverseNormalCdf((i + 0.5) / n);
  let mean = 0;
  for (let i = 0; i < n; i++) mean += t[i] / n;
  let variance = 0;
  for (let i = 0; i < n; i++) variance += (t[i] - mean) ** 2 / n;
  const sd = sqrt(variance);
  for (let i = 0; i < n; i++) t[i] = (t[i] - mean) / sd;
  return t;
})();

/** Standard normal variate from (key, counter), counter-based (no state). */
export function normalAt(key: number, counter: number): number {
  return NORMAL_TABLE[hash32(key, counter) & NORMAL_TABLE_MASK];
}

/** Acklam's rational approximation of the standard normal quantile (|error| < 1.2e-9). */
export function inverseNormalCdf(p: number): number {
  const a = [
    -3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1,
    2.506628277459239,
  ];
  const b = [
    -5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1,
    -1.328068155288572e1,
  ];
  const c = [
    -7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968,
    2.938163982698783,
  ];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const pLow = 0.02425;
  if (p < pLow) {
    const q = sqrt(-2 * log(p));
    return (
      (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
      ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
    );
  }
  if (p > 1 - pLow) {
    const q = sqrt(-2 * log(1 - p));
    return (
      -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
      ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
    );
  }
  const q = p - 0.5;
  const r = q * q;
  return (
    ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) /
    (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)
  );
}

/** Sequential seeded PRNG (mulberry32) with helpers. */
export class Rng {
  private state: number;
  private spare: number | undefined;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) | 0;
    let t = this.state;
    t = imul(t ^ (t >>> 15), t | 1);
    t ^= t + imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Uniform in [min, max). */
  uniform(min: number, max: number): number {
    return min + (max - min) * this.next();
  }

  /** Integer in [min, max] (inclusive). */
  int(min: number, max: number): number {
    return min + floor(this.next() * (max - min + 1));
  }

  pick<T>(items: readonly T[]): T {
    return items[floor(this.next() * items.length)];
  }

  /** Standard normal (Box-Muller, caching the second variate). */
  normal(): number {
    if (this.spare !== undefined) {
      const s = this.spare;
      this.spare = undefined;
      return s;
    }
    let u = this.next();
    while (u === 0) u = this.next();
    const v = this.next();
    const r = sqrt(-2 * log(u));
    this.spare = r * sin(2 * Math.PI * v);
    return r * cos(2 * Math.PI * v);
  }
}

/** A PRNG stream for one entity: deterministic from (seed, path). */
export function rngFor(seed: number | string, ...parts: (string | number)[]): Rng {
  return new Rng(deriveSeed(seed, ...parts));
}
