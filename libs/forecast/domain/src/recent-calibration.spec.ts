import { type FeatureRow } from './features';
import { type QuantileForecast } from './metrics';
import { mulberry32 } from './model';
import {
  type PastBand,
  type PastForecast,
  type RecentCalibration,
  type RecentCalibrationOptions,
  adaptiveWidthScale,
  applyRecentCalibration,
  effectiveLevel,
  normalQuantile,
  fitRecentCalibration,
  recentLevel,
} from './recent-calibration';

const DAY = 86_400_000;
const HOUR = 3_600_000;
const STEP = 900_000;

describe('recentLevel', () => {
  const cal = { windowDays: 4, halfLifeDays: 1 };
  const o = 10 * DAY;

  it('weights residuals by the age of their issue time and ignores what is not known at the origin', () => {
    const past: PastForecast[] = [
      // issued 5 days before: outside the window
      { originMs: o - 5 * DAY, targetMs: o - 4 * DAY, actual: 1000, p50: 0 },
      // issued 2 days before, known: residual 10, weight 1/4
      { originMs: o - 2 * DAY, targetMs: o - DAY, actual: 110, p50: 100 },
      // issued 1 day before, known: residual 40, weight 1/2
      { originMs: o - DAY, targetMs: o - HOUR, actual: 140, p50: 100 },
      // issued 1 day before, target interval not ended by the origin: unknown, ignored
      { originMs: o - DAY, targetMs: o - STEP / 2, actual: 1e6, p50: 0 },
      // issued at the origin: not a past forecast
      { originMs: o, targetMs: o - DAY, actual: 1e6, p50: 0 },
    ];
    const r = recentLevel(past, o, STEP, cal);
    expect(r.n).toBe(2);
    expect(r.level).toBeCloseTo((0.25 * 10 + 0.5 * 40) / 0.75, 9);
  });

  it('is 0 without past forecasts', () => {
    expect(recentLevel([], o, STEP, cal)).toEqual({ level: 0, n: 0 });
  });
});

describe('applyRecentCalibration', () => {
  it('moves the whole band by the level and rescales the outer distances by lead-time bucket', () => {
    const cal = {
      method: 'recent-level+split-conformal' as const,
      windowDays: 4,
      halfLifeDays: 1,
      levelWeight: 1,
      interval: {
        method: 'split-conformal-scale' as const,
        lowerTau: 0.1,
        upperTau: 0.9,
        bucketHours: 6,
        buckets: [null, null, { lower: 2, upper: 3, n: 300 }],
        pooled: { lower: 1, upper: 1, n: 900 },
      },
      fit: {
        samples: 900,
        from: '',
        to: '',
        coverageBefore: 0.6,
        coverageAfter: 0.8,
        meanAbsLevel: 1,
        selectionSamples: 900,
        maeBefore: 2,
        maeAfter: 1,
      },
    };
    const q: QuantileForecast = { p10: 90, p50: 100, p90: 105 };
    expect(applyRecentCalibration(cal, q, 5, 13 * HOUR)).toEqual({ p10: 85, p50: 105, p90: 120 });
    expect(applyRecentCalibration(cal, q, -5, 30 * HOUR)).toEqual({ p10: 85, p50: 95, p90: 100 });
    expect(applyRecentCalibration({ ...cal, levelWeight: 0.5 }, q, 10, 30 * HOUR)).toEqual({
      p10: 95,
      p50: 105,
      p90: 110,
    });
  });
});

describe('fitRecentCalibration', () => {
  /**
   * Day-ahead-like rows: one origin a day at 10:00, 24 hourly targets the next day. The actual drifts by a
   * day-level random walk the forecast does not know, plus noise; the forecast's band is far too narrow.
   */
  function drifting(days: number, seed: number, persistent = true) {
    const rng = mulberry32(seed);
    const rows: FeatureRow[] = [];
    const actual: number[] = [];
    const predicted: QuantileForecast[] = [];
    let drift = 0;
    for (let d = 0; d < days; d++) {
      drift = persistent ? drift + (rng() - 0.5) * 8 : (rng() - 0.5) * 16;
      const origin = d * DAY + 10 * HOUR;
      for (let h = 0; h < 24; h++) {
        const target = (d + 1) * DAY + h * HOUR;
        rows.push({ originMs: origin, targetMs: target, features: new Float64Array(), base: 100 });
        actual.push(100 + drift + (rng() - 0.5) * 6);
        predicted.push({ p10: 99, p50: 100, p90: 101 });
      }
    }
    return { rows, actual, predicted };
  }

  it('corrects the level from known past forecasts only and calibrates the band on the validation tail', () => {
    const { rows, actual, predicted } = drifting(80, 7);
    const validation = 20 * 24;
    const cal = fitRecentCalibration(rows, actual, predicted, validation, HOUR, undefined, {
      windowDays: 4,
      halfLifeDays: 1,
      significance: 0,
      margin: 0,
      adaptiveGain: 0,
    });
    expect(cal.method).toBe('recent-level+split-conformal');
    expect(cal.fit.samples).toBe(validation);
    expect(cal.fit.coverageBefore).toBeLessThan(0.4);
    expect(cal.fit.coverageAfter).toBeGreaterThanOrEqual(0.78);
    expect(cal.fit.coverageAfter).toBeLessThanOrEqual(0.84);
    expect(cal.fit.meanAbsLevel).toBeGreaterThan(1);
    expect(cal.levelWeight).toBeGreaterThanOrEqual(0.75);
    expect(cal.fit.maeAfter).toBeLessThan(0.8 * cal.fit.maeBefore);
    expect(cal.interval.pooled.lower).toBeGreaterThan(2);

    // The level of the first validation origin is that of the rows known by then (issued up to 2 days
    // before it: the previous day's targets end after the origin): recompute it by hand.
    const firstVal = rows[rows.length - validation];
    if (firstVal === undefined) throw new Error('no validation row');
    const past = rows.map((r, i) => ({
      originMs: r.originMs,
      targetMs: r.targetMs,
      actual: actual[i] ?? Number.NaN,
      p50: 100,
    }));
    const level = recentLevel(past, firstVal.originMs, HOUR, cal).level;
    let sw = 0;
    let s = 0;
    rows.forEach((r, i) => {
      if (r.originMs < firstVal.originMs - 4 * DAY || r.originMs >= firstVal.originMs) return;
      if (r.targetMs + HOUR > firstVal.originMs) return;
      const w = 0.5 ** ((firstVal.originMs - r.originMs) / DAY);
      sw += w;
      s += w * ((actual[i] ?? 0) - 100);
    });
    expect(level).toBeCloseTo(s / sw, 9);

    // On fresh data from the same process, the calibrated band covers about 80 %.
    const fresh = drifting(120, 8);
    let inside = 0;
    let n = 0;
    for (let d = 10; d < 120; d++) {
      const o = d * DAY + 10 * HOUR;
      const pastFresh: PastForecast[] = fresh.rows.map((r, i) => ({
        originMs: r.originMs,
        targetMs: r.targetMs,
        actual: fresh.actual[i] ?? Number.NaN,
        p50: 100,
      }));
      const lv = recentLevel(pastFresh, o, HOUR, cal).level;
      fresh.rows.forEach((r, i) => {
        if (r.originMs !== o) return;
        const q = applyRecentCalibration(
          cal,
          fresh.predicted[i] ?? { p10: 0, p50: 0, p90: 0 },
          lv,
          r.targetMs - o,
        );
        const a = fresh.actual[i] ?? Number.NaN;
        n++;
        if (a >= q.p10 && a <= q.p90) inside++;
      });
    }
    expect(inside / n).toBeGreaterThan(0.72);
    expect(inside / n).toBeLessThan(0.9);
  });

  it('applies no level where the day-level errors are independent (the level would be noise)', () => {
    const { rows, actual, predicted } = drifting(80, 7, false);
    const cal = fitRecentCalibration(rows, actual, predicted, 20 * 24, HOUR, undefined, {
      significance: 0,
      margin: 0,
    });
    expect(cal.levelWeight).toBeLessThanOrEqual(0.25);
    expect(cal.fit.maeAfter).toBeLessThanOrEqual(cal.fit.maeBefore);
    expect(cal.fit.coverageAfter).toBeGreaterThanOrEqual(0.78);
  });

  it('by default applies the level only where it is large against its usual size, and widens adaptively', () => {
    const { rows, actual, predicted } = drifting(80, 7);
    const cal = fitRecentCalibration(rows, actual, predicted, 20 * 24, HOUR, undefined);
    expect(cal.levelWeight).toBe(1);
    expect(cal.significance?.c).toBe(1.5);
    expect(cal.significance?.rms).toBeGreaterThan(1);
    expect(cal.adaptive).toEqual({ gain: 1, days: 4, mode: 'widen-only' });
    expect(cal.fit.joint).toBeUndefined();
    expect(cal.interval.lowerTau).toBeCloseTo(0.1, 9);
    expect(cal.fit.coverageAfter).toBeGreaterThanOrEqual(0.8);
  });

  it('fits the interval factors jointly with the adaptive step: the tail, as the run would forecast it, is covered at 80 %', () => {
    const { rows, actual, predicted } = drifting(80, 11);
    const validation = 20 * 24;
    // The level share chosen by MAE (the drift is a random walk: its level is always significant).
    const joint = fitRecentCalibration(rows, actual, predicted, validation, HOUR, undefined, {
      adaptiveFit: 'joint',
      significance: 0,
    });
    const separate = fitRecentCalibration(rows, actual, predicted, validation, HOUR, undefined, {
      significance: 0,
    });
    expect(separate.fit.joint).toBeUndefined();
    const j = joint.fit.joint;
    if (j === undefined) throw new Error('no joint fit');
    // The widen-only step on top of the conformal factors covers the tail above 80 %; the joint factor
    // narrows the base band until the tail with the step is covered at 80 %.
    expect(j.coverageSeparate).toBeGreaterThan(0.81);
    expect(j.factor).toBeLessThan(1);
    expect(j.coverage).toBeGreaterThanOrEqual(0.8);
    expect(j.coverage).toBeLessThan(j.coverageSeparate);
    expect(joint.interval.pooled.lower).toBeCloseTo(j.factor * separate.interval.pooled.lower, 9);
    expect(joint.interval.pooled.upper).toBeCloseTo(j.factor * separate.interval.pooled.upper, 9);

    // The inference path (level and adaptive width from the past forecasts known at each issue time)
    // covers the tail exactly as the fit computed.
    const table: PastBand[] = rows.map((r, i) => ({
      originMs: r.originMs,
      targetMs: r.targetMs,
      actual: actual[i] ?? Number.NaN,
      ...(predicted[i] ?? { p10: 0, p50: 0, p90: 0 }),
    }));
    let inside = 0;
    let n = 0;
    const origins = new Set(rows.slice(rows.length - validation).map((r) => r.originMs));
    for (const o of origins) {
      const level = recentLevel(table, o, HOUR, joint).level;
      const scale = adaptiveWidthScale(joint, table, o, HOUR).scale;
      table.forEach((p, i) => {
        if (p.originMs !== o) return;
        const q = applyRecentCalibration(joint, p, level, p.targetMs - o, scale);
        n++;
        if ((actual[i] ?? Number.NaN) >= q.p10 && (actual[i] ?? Number.NaN) <= q.p90) inside++;
      });
    }
    expect(n).toBe(validation);
    expect(inside / n).toBeCloseTo(j.coverage, 9);
  });

  it('leaves out forecasts outside the envelope (the guard replaces them)', () => {
    const { rows, actual, predicted } = drifting(30, 9);
    const bad = predicted.map((q, i) => (i % 2 === 0 ? { p10: 1e6, p50: 1e6, p90: 1e6 } : q));
    const cal = fitRecentCalibration(rows, actual, bad, 10 * 24, HOUR, { lower: 0, upper: 1000 });
    expect(cal.fit.samples).toBe(5 * 24);
    expect(Number.isFinite(cal.interval.pooled.lower)).toBe(true);
    expect(Math.abs(cal.fit.meanAbsLevel)).toBeLessThan(50);
  });

  it('refuses a negative adaptive gain and an empty adaptive window', () => {
    const { rows, actual, predicted } = drifting(30, 9);
    const fit = (o: RecentCalibrationOptions) => () =>
      fitRecentCalibration(rows, actual, predicted, 10 * 24, HOUR, undefined, o);
    expect(fit({ adaptiveGain: -0.5 })).toThrow(/adaptiveGain must be ≥ 0/);
    expect(fit({ adaptiveDays: 0 })).toThrow(/adaptiveDays > 0/);
    expect(fit({ adaptiveGain: 0 })().adaptive).toBeUndefined();
    expect(fit({ adaptiveMode: 'symmetric', adaptiveGain: 0.5 })().adaptive).toEqual({
      gain: 0.5,
      days: 4,
      mode: 'symmetric',
    });
  });
});

describe('normalQuantile', () => {
  it('inverts the standard normal CDF', () => {
    expect(normalQuantile(0.5)).toBeCloseTo(0, 9);
    expect(normalQuantile(0.9)).toBeCloseTo(1.2815515655, 8);
    expect(normalQuantile(0.99)).toBeCloseTo(2.326347874, 8);
    expect(normalQuantile(0.01)).toBeCloseTo(-2.326347874, 8);
    expect(() => normalQuantile(1)).toThrow('p must lie in (0, 1)');
  });
});

describe('effectiveLevel', () => {
  it('keeps a significant level and drops one within the usual size', () => {
    const cal = { levelWeight: 1, significance: { c: 1.5, rms: 10 } };
    expect(effectiveLevel(cal, 10)).toBe(0);
    expect(effectiveLevel(cal, -30)).toBeCloseTo(-30 * (1 - 0.25), 9);
    expect(effectiveLevel({ levelWeight: 0.5 }, 8)).toBe(4);
  });
});

describe('adaptiveWidthScale', () => {
  const base: RecentCalibration = {
    method: 'recent-level+split-conformal',
    windowDays: 4,
    halfLifeDays: 1,
    levelWeight: 0,
    adaptive: { gain: 1, days: 3 },
    interval: {
      method: 'split-conformal-scale',
      lowerTau: 0.1,
      upperTau: 0.9,
      bucketHours: 48,
      buckets: [],
      pooled: { lower: 1, upper: 1, n: 1 },
    },
    fit: {
      samples: 1,
      from: '',
      to: '',
      coverageBefore: 0.8,
      coverageAfter: 0.8,
      meanAbsLevel: 0,
      selectionSamples: 1,
      maeBefore: 1,
      maeAfter: 1,
    },
  };
  const o = 20 * DAY;
  /** Past day-ahead forecasts with band ±1 around 0; `share` of the known ones miss. */
  function past(share: number): PastBand[] {
    const out: PastBand[] = [];
    for (let d = 1; d <= 6; d++) {
      const origin = o - d * DAY;
      for (let h = 0; h < 24; h++) {
        const t = origin + 14 * HOUR + h * HOUR;
        const k = out.length;
        out.push({
          originMs: origin,
          targetMs: t,
          actual: (k % 100) / 100 < share ? 5 : 0,
          p10: -1,
          p50: 0,
          p90: 1,
        });
      }
    }
    return out;
  }

  it('widen-only (artefacts without a mode): widens after misses, never narrows after a run of hits', () => {
    expect(adaptiveWidthScale(base, past(0.2), o, HOUR).scale).toBeCloseTo(1, 1);
    const wide = adaptiveWidthScale(base, past(0.5), o, HOUR);
    expect(wide.missRate).toBeGreaterThan(0.45);
    expect(wide.scale).toBeCloseTo(normalQuantile(1 - 0.02 / 2) / normalQuantile(0.9), 1);
    expect(adaptiveWidthScale(base, past(0), o, HOUR).scale).toBe(1);
  });

  it('symmetric: moves the miss rate to 0.2 − gain·(r − 0.2), widening after misses and narrowing after hits', () => {
    const sym: RecentCalibration = { ...base, adaptive: { gain: 0.5, days: 3, mode: 'symmetric' } };
    const expected = (r: number): number =>
      normalQuantile(1 - Math.min(0.5, Math.max(0.02, 0.2 - 0.5 * (r - 0.2))) / 2) / normalQuantile(0.9);
    const wide = adaptiveWidthScale(sym, past(0.5), o, HOUR);
    expect(wide.missRate).toBeGreaterThan(0.45);
    expect(wide.scale).toBeCloseTo(expected(wide.missRate), 9);
    expect(wide.scale).toBeGreaterThan(1.4);
    const calm = adaptiveWidthScale(sym, past(0), o, HOUR);
    expect(calm.missRate).toBe(0);
    // α = 0.3: the band narrows to the width of a 70 % interval.
    expect(calm.scale).toBeCloseTo(normalQuantile(0.85) / normalQuantile(0.9), 9);
    expect(calm.scale).toBeLessThan(0.85);
    const nominal = adaptiveWidthScale(sym, past(0.2), o, HOUR);
    expect(nominal.scale).toBeCloseTo(expected(nominal.missRate), 9);
    expect(Math.abs(nominal.scale - 1)).toBeLessThan(0.1);
    // A large gain cannot narrow the band below the width of a 50 % interval.
    const steep = { ...sym, adaptive: { gain: 5, days: 3, mode: 'symmetric' as const } };
    expect(adaptiveWidthScale(steep, past(0), o, HOUR).scale).toBeCloseTo(
      normalQuantile(0.75) / normalQuantile(0.9),
      9,
    );
  });

  it('is 1 when off or with too few known targets', () => {
    const { adaptive: _a, ...off } = base;
    expect(adaptiveWidthScale(off, past(0.5), o, HOUR).scale).toBe(1);
    expect(adaptiveWidthScale(base, past(0.5).slice(0, 20), o, HOUR).scale).toBe(1);
  });
});
