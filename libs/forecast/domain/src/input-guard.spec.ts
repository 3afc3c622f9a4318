import { DAY_MS } from '@gridwerk/shared/util-calendar';
import { useTfBackend } from './backend';
import { type BacktestReport, runBacktest } from './backtest';
import { targetTimesRead } from './features';
import { buildRows } from './forecast';
import { dayAheadHorizon, horizonOrigins } from './horizons';
import { fitInputPolicy, guardForecast, inStaleRange } from './input-guard';
import { type LoadSeries } from './series';
import { syntheticFeederLoad } from './testing/synthetic-load';

/*
 * The broken-input cases of issue #20, each on a backtest: an exogenous column that ends halfway through
 * the test period, one that is almost constant in training and varies later, one whose test values lie
 * far outside its training range, and a target that flatlines. Before the input guard, the first dropped
 * every later row silently, the second and third blew the standardised features up, the fourth trained
 * on the flat stretch without a word.
 */

const START = '2024-03-04T00:00:00+01:00';
const DAYS = 56;
const TEST_FROM = Date.UTC(2024, 3, 15, 22); // 16 Apr 00:00 CEST: 14 test days
const FAST = { maxEpochs: 8, seed: 3 };

function withColumn(series: LoadSeries, name: string, make: (i: number, t: number) => number): LoadSeries {
  const col = Float64Array.from(series.values, (_, i) => make(i, series.startMs + i * series.stepMs));
  return { ...series, exogenous: { ...series.exogenous, [name]: col } };
}

function expectWholeTestPeriodScored(r: BacktestReport): void {
  for (const f of r.foldReports) {
    expect(f.pointsExpected).toBeGreaterThan(0);
    expect(f.pointsScored / f.pointsExpected).toBeGreaterThanOrEqual(0.95);
  }
  expect(r.pointsScored).toBe(r.n);
  expect(r.outsideEnvelopeUnflagged).toBe(0);
  expect(r.pointsScored / r.pointsExpected).toBeGreaterThanOrEqual(0.95);
}

describe('input guard (broken columns)', () => {
  const base = syntheticFeederLoad({ startIso: START, days: DAYS, seed: 21 });
  beforeAll(async () => {
    await useTfBackend('wasm');
  });

  it('scores the whole test period when an exogenous column ends halfway through it', async () => {
    const cut = TEST_FROM + 2 * DAY_MS;
    const temp = base.exogenous['temperature'] ?? new Float64Array();
    const series = withColumn(base, 'temperature', (i, t) => (t >= cut ? Number.NaN : (temp[i] ?? 0)));
    const r = await runBacktest(series, {
      horizon: dayAheadHorizon(),
      exogenous: ['temperature'],
      testFromMs: TEST_FROM,
      folds: 2,
      train: FAST,
    });
    expect(r.folds).toBe(2);
    expectWholeTestPeriodScored(r);
    const fallback = r.inputDecisions.find(
      (d) => d.kind === 'fallback-without' && d.column === 'temperature',
    );
    expect(fallback?.count).toBeGreaterThan(0);
  }, 240_000);

  it('drops a column that is almost constant in training and varies later', async () => {
    const series = withColumn(base, 'valve', (i, t) =>
      t >= TEST_FROM ? 40 + (i % 7) : i === 500 ? 1e-4 : 0,
    );
    const r = await runBacktest(series, {
      horizon: dayAheadHorizon(),
      exogenous: ['temperature', 'valve'],
      testFromMs: TEST_FROM,
      folds: 2,
      train: FAST,
    });
    expectWholeTestPeriodScored(r);
    expect(r.inputDecisions.some((d) => d.kind === 'drop-near-constant' && d.column === 'valve')).toBe(true);
    expect(r.models.model.mae).toBeLessThan(r.models.persistence7d.mae);
    // The first fold trains before the column varies; the second has seen a week of its new values.
    expect(r.modelsTrained.find((m) => m.fold === 1)?.exogenous).toEqual(['temperature']);
  }, 240_000);

  it('clips values outside the training range instead of extrapolating on them', async () => {
    const series = withColumn(base, 'humidity', (i, t) => (t >= TEST_FROM ? 5000 : (i * 37) % 100));
    const r = await runBacktest(series, {
      horizon: dayAheadHorizon(),
      exogenous: ['temperature', 'humidity'],
      testFromMs: TEST_FROM,
      folds: 2,
      train: FAST,
    });
    const clip = r.inputDecisions.find((d) => d.kind === 'clip' && d.column === 'humidity');
    expect(clip?.count).toBeGreaterThan(0);
    expect(r.models.model.mae).toBeLessThan(r.models.persistence7d.mae);
  }, 240_000);

  it('flags a target that flatlines and keeps the flat stretch out of training, as target and as input', async () => {
    const values = Float64Array.from(base.values);
    const from = 20 * 96;
    for (let i = from; i < from + 3 * 96; i++) values[i] = values[from] ?? 0;
    const series: LoadSeries = { ...base, values };
    const policy = fitInputPolicy(series, ['temperature'], series.startMs + 40 * DAY_MS);
    const stale = policy.decisions.find((d) => d.kind === 'stale-target');
    expect(stale?.count).toBe(3 * 96);
    expect(policy.staleRanges).toEqual([
      {
        fromMs: series.startMs + from * series.stepMs,
        toMs: series.startMs + (from + 3 * 96) * series.stepMs,
      },
    ]);
    // Training rows leave out the flat targets and the rows whose lag features read them.
    const cfg = { horizon: dayAheadHorizon(), exogenous: ['temperature'] };
    const untilMs = series.startMs + 40 * DAY_MS;
    const origins = horizonOrigins(cfg.horizon, series.startMs, untilMs, series.stepMs, DAY_MS);
    const all = buildRows(series, cfg, origins, untilMs);
    const kept = buildRows(series, cfg, origins, untilMs, undefined, policy.staleRanges);
    expect(kept.staleExcluded).toBeGreaterThan(3 * 96);
    expect(kept.rows.length).toBe(all.rows.length - kept.staleExcluded);
    const reads = (o: number, t: number) =>
      [t, ...targetTimesRead(series, o, t)].some((x) => inStaleRange(policy.staleRanges, x));
    expect(kept.rows.some((r) => reads(r.originMs, r.targetMs))).toBe(false);
    const weekAfter = series.startMs + from * series.stepMs + 7 * DAY_MS;
    expect(all.rows.some((r) => r.targetMs === weekAfter)).toBe(true);
    expect(kept.rows.some((r) => r.targetMs === weekAfter)).toBe(false);
    const r = await runBacktest(series, {
      horizon: dayAheadHorizon(),
      exogenous: ['temperature'],
      testFromMs: TEST_FROM,
      folds: 1,
      train: FAST,
    });
    expect(r.inputDecisions.some((d) => d.kind === 'stale-target' && d.stage === 'fit')).toBe(true);
    expect(r.staleTarget).toBe(true);
  }, 240_000);
});

describe('output guard', () => {
  const envelope = { lower: -10, upper: 110 };
  const baseline = { p10: 40, p50: 50, p90: 60 };

  it('keeps a forecast inside the envelope', () => {
    const f = { p10: 0, p50: 50, p90: 100 };
    expect(guardForecast(f, envelope, baseline)).toEqual({ ...f, guarded: false });
  });

  it('replaces a forecast outside the envelope (or not finite) by the baseline, flagged', () => {
    expect(guardForecast({ p10: 0, p50: 500, p90: 900 }, envelope, baseline)).toEqual({
      ...baseline,
      guarded: true,
    });
    expect(guardForecast({ p10: -50, p50: 5, p90: 9 }, envelope, baseline).guarded).toBe(true);
    expect(guardForecast({ p10: 0, p50: Number.NaN, p90: 9 }, envelope, baseline).guarded).toBe(true);
  });

  it('clamps into the envelope when the baseline is missing too', () => {
    const g = guardForecast({ p10: 200, p50: 300, p90: 400 }, envelope, {
      p10: Number.NaN,
      p50: Number.NaN,
      p90: Number.NaN,
    });
    expect(g).toEqual({ p10: 110, p50: 110, p90: 110, guarded: true });
  });
});
