import { useTfBackend } from './backend';
import { forecastGuarded } from './forecast';
import { globalPromotionDecision, runGlobalBacktest } from './global-backtest';
import {
  STATIC_FEATURE_NAMES,
  type GlobalSeriesInput,
  bindGlobalModel,
  isGlobalModel,
  loadValuedIndices,
  normaliseRow,
  parseGlobalBinding,
  seriesScale,
  shardOf,
  staticFeatureVector,
  trainGlobalModel,
  validateStatics,
} from './global-model';
import { dayAheadHorizon } from './horizons';
import { loadQuantileModel } from './model';
import { type LoadSeries } from './series';
import { syntheticFeederLoad } from './testing/synthetic-load';

const DAY_MS = 86_400_000;

function scaled(s: LoadSeries, k: number, name: string): LoadSeries {
  return { ...s, name, values: Float64Array.from(s.values, (v) => v * k) };
}

describe('global model: pure parts', () => {
  it('scale is the RMS of the values known by the cut, ignoring gaps', () => {
    const s: LoadSeries = {
      name: 's',
      startMs: 0,
      stepMs: 900_000,
      values: Float64Array.from([3, Number.NaN, -4, 100]),
      exogenous: {},
    };
    // known by 3 steps: 3, NaN, -4 → sqrt((9 + 16) / 2)
    expect(seriesScale(s, 3 * 900_000)).toBeCloseTo(Math.sqrt(12.5), 10);
    expect(() => seriesScale({ ...s, values: Float64Array.from([0, 0]) }, 2 * 900_000)).toThrow(
      /no non-zero value/,
    );
  });

  it('normalises only load-valued features and the base, and appends the statics', () => {
    const features = ['lag7d', 'quarterHourSin', 'lagDayMinusLag7d', 'exo_temperature'];
    const idx = loadValuedIndices(features);
    expect(idx).toEqual([0, 2]);
    const row = { originMs: 1, targetMs: 2, features: Float64Array.from([200, 0.5, -40, 12]), base: 200 };
    const n = normaliseRow(row, idx, 100, [1, 0.25]);
    expect(Array.from(n.features)).toEqual([2, 0.5, -0.4, 12, 1, 0.25]);
    expect(n.base).toBe(2);
    expect(row.features[0]).toBe(200); // the input row is not changed
  });

  it('static vector: shares, PV, heat pumps and rating over scale; unknown series are all zero', () => {
    const v = staticFeatureVector(
      { profileShares: { H25: 0.6, G25: 0.4 }, pvShare: 0.3, heatPumpShare: 0.1, rating: 500 },
      250,
    );
    expect(v).toHaveLength(STATIC_FEATURE_NAMES.length);
    expect(v).toEqual([1, 0.6, 0.4, 0, 0, 0, 0.3, 0.1, 1, 2]);
    expect(staticFeatureVector(undefined, 10).every((x) => x === 0)).toBe(true);
    expect(staticFeatureVector({ pvShare: 1 }, 10).slice(-2)).toEqual([0, 0]);
  });

  it('rejects implausible statics with a clear message', () => {
    expect(() => validateStatics({ profileShares: { H25: 0.8, G25: 0.4 } })).toThrow(/sum to 1.2/);
    expect(() => validateStatics({ heatPumpShare: -0.1 })).toThrow(/heatPumpShare/);
    expect(() => validateStatics({ rating: Number.NaN })).toThrow(/rating/);
    expect(() => validateStatics({ profileShares: { H25: 1 }, pvShare: 2, rating: 1 })).not.toThrow();
  });

  it('shards series stably and roughly evenly', () => {
    const ids = Array.from({ length: 3000 }, (_, i) => `secondary-substation:ONS-${i}`);
    const counts = [0, 0, 0, 0];
    for (const id of ids) counts[shardOf(id, 4)] = (counts[shardOf(id, 4)] ?? 0) + 1;
    expect(Math.min(...counts)).toBeGreaterThan(600); // roughly even
    expect(shardOf('feeder:F-1', 4)).toBe(shardOf('feeder:F-1', 4));
  });

  it('promotion rule: beats the best baseline and the incumbent', () => {
    const m = (mae: number) => ({ model: { mae } as never, bestBaselineMae: 10 });
    expect(globalPromotionDecision({ ...m(8) }).promote).toBe(true);
    expect(globalPromotionDecision({ ...m(11) }).promote).toBe(false);
    expect(globalPromotionDecision({ ...m(8) }, 7).promote).toBe(false);
    expect(globalPromotionDecision({ ...m(8) }, 9).promote).toBe(true);
    expect(globalPromotionDecision({ ...m(Number.NaN) }).promote).toBe(false);
  });

  it('refuses a binding that is not one', () => {
    expect(() => parseGlobalBinding({ format: 'x' })).toThrow(/global-binding/);
  });
});

describe('global model: training across series of different size', () => {
  const base = syntheticFeederLoad({ startIso: '2024-03-04T00:00:00+01:00', days: 42, seed: 5 });
  const other = syntheticFeederLoad({ startIso: '2024-03-04T00:00:00+01:00', days: 42, seed: 9 });
  const inputs: GlobalSeriesInput[] = [
    { series: scaled(base, 1, 'small'), statics: { profileShares: { H25: 1 }, pvShare: 0.2 } },
    { series: scaled(base, 40, 'large'), statics: { profileShares: { H25: 1 }, pvShare: 0.2 } },
    { series: scaled(other, 5, 'medium') },
    {
      series: { ...scaled(base, 1, 'empty'), values: new Float64Array(base.values.length).fill(Number.NaN) },
    },
  ];
  const untilMs = base.startMs + 35 * DAY_MS;

  beforeAll(async () => {
    await useTfBackend('wasm');
  });

  it('trains one model on bounded samples, binds per series, forecasts in each series unit', async () => {
    const r = await trainGlobalModel(inputs, {
      horizon: dayAheadHorizon(),
      untilMs,
      samplesPerSeries: 400,
      maxSamples: 900,
      maxEpochs: 8,
      hiddenUnits: [16],
      seed: 3,
    });
    try {
      // 900 / 4 series = 225 per series at most; the all-NaN series is skipped with its reason
      expect(r.samplesPerSeries).toBe(225);
      expect(r.samples).toBeLessThanOrEqual(3 * 225);
      expect(r.samples).toBe(3 * 225);
      expect(r.skipped.map((s) => s.series)).toEqual(['empty']);
      expect(isGlobalModel(r.model)).toBe(true);
      const small = r.bindings.get('small');
      const large = r.bindings.get('large');
      if (small === undefined || large === undefined) throw new Error('missing binding');
      expect(large.scale / small.scale).toBeCloseTo(40, 6);

      // The same shape 40 times larger: the bound forecasts are the same up to the factor 40.
      const origin = untilMs + DAY_MS + 10 * 3_600_000 - 3_600_000; // 10:00 CET
      const fs = forecastGuarded(bindGlobalModel(r.model, small), inputs[0].series, origin).points;
      const fl = forecastGuarded(bindGlobalModel(r.model, large), inputs[1].series, origin).points;
      expect(fs.length).toBeGreaterThan(90);
      expect(fl).toHaveLength(fs.length);
      fs.forEach((p, i) => {
        expect(p.p10).toBeLessThanOrEqual(p.p50);
        expect(p.p50).toBeLessThanOrEqual(p.p90);
        expect(fl[i].p50).toBeCloseTo(40 * p.p50, 1);
      });

      // The artefact round-trips and still binds.
      const restored = await loadQuantileModel(await r.model.toArtefact());
      const again = forecastGuarded(bindGlobalModel(restored, small), inputs[0].series, origin).points;
      again.forEach((p, i) => expect(p.p50).toBeCloseTo(fs[i].p50, 3));
      restored.dispose();
    } finally {
      r.model.dispose();
    }
  }, 120_000);

  it('backtests per series on the rolling-origin folds and beats persistence-7d on a regular load', async () => {
    const report = await runGlobalBacktest(inputs.slice(0, 3), {
      horizon: dayAheadHorizon(),
      testFromMs: base.startMs + 35 * DAY_MS,
      folds: 2,
      train: { samplesPerSeries: 2500, maxEpochs: 30, hiddenUnits: [32, 16], seed: 3 },
    });
    expect(report.folds).toBe(2);
    expect(report.series.map((s) => s.series).sort()).toEqual(['large', 'medium', 'small']);
    for (const s of report.series) {
      expect(s.n).toBe(s.persistence7d.n);
      expect(s.n).toBeGreaterThan(5 * 96);
      // 35 days of history leave a short calibration tail: the interval is loose, not collapsed
      expect(s.model.coverage).toBeGreaterThan(0.25);
      expect(s.model.mae).toBeLessThan(s.persistence7d.mae);
    }
  }, 240_000);
});
