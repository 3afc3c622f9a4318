/** A quantile forecast for one target interval. Quantiles are non-crossing: p10 ≤ p50 ≤ p90. */
export interface QuantileForecast {
  p10: number;
  p50: number;
  p90: number;
}

/**
 * Forecast accuracy over an evaluation window, in the unit of the series.
 * - mae: mean |p50 − actual|; rmse: sqrt(mean (p50 − actual)²)
 * - rmae: mae / (max − min of the realised load in the window) — scale-free, comparable across feeders
 * - bias: mean (p50 − actual); positive = over-forecast
 * - pinball: pinball loss averaged over the quantiles 0.1, 0.5, 0.9 (0.5 · MAE for a point forecast's P50)
 * - coverage: share of actuals within [p10, p90] (nominal 0.8)
 * - n: number of evaluated (target, origin) pairs
 */
export interface ForecastMetrics {
  mae: number;
  rmse: number;
  rmae: number;
  bias: number;
  pinball: number;
  coverage: number;
  n: number;
  /** Pinball loss of each quantile on its own. */
  pinballByQuantile: { p10: number; p50: number; p90: number };
  /** Reliability table: for each nominal quantile, the observed share of actuals below the forecast. */
  reliability: { quantile: number; observed: number }[];
}

export function pinballLoss(actual: number, forecast: number, tau: number): number {
  const e = actual - forecast;
  return Math.max(tau * e, (tau - 1) * e);
}

export function computeMetrics(
  actual: readonly number[],
  forecasts: readonly QuantileForecast[],
): ForecastMetrics {
  let n = 0;
  let abs = 0;
  let sq = 0;
  let bias = 0;
  let pin = 0;
  let covered = 0;
  let pin10 = 0;
  let pin50 = 0;
  let pin90 = 0;
  let below10 = 0;
  let below50 = 0;
  let below90 = 0;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  actual.forEach((a, i) => {
    const f = forecasts[i];
    if (f === undefined || Number.isNaN(a) || Number.isNaN(f.p50)) return;
    const e = f.p50 - a;
    n++;
    abs += Math.abs(e);
    sq += e * e;
    bias += e;
    const l10 = pinballLoss(a, f.p10, 0.1);
    const l50 = pinballLoss(a, f.p50, 0.5);
    const l90 = pinballLoss(a, f.p90, 0.9);
    pin += (l10 + l50 + l90) / 3;
    pin10 += l10;
    pin50 += l50;
    pin90 += l90;
    if (a < f.p10) below10++;
    if (a < f.p50) below50++;
    if (a < f.p90) below90++;
    if (a >= f.p10 && a <= f.p90) covered++;
    if (a < min) min = a;
    if (a > max) max = a;
  });
  if (n === 0)
    return {
      mae: Number.NaN,
      rmse: Number.NaN,
      rmae: Number.NaN,
      bias: Number.NaN,
      pinball: Number.NaN,
      coverage: Number.NaN,
      n: 0,
      pinballByQuantile: { p10: Number.NaN, p50: Number.NaN, p90: Number.NaN },
      reliability: [0.1, 0.5, 0.9].map((quantile) => ({ quantile, observed: Number.NaN })),
    };
  const mae = abs / n;
  const range = max - min;
  return {
    mae,
    rmse: Math.sqrt(sq / n),
    rmae: range > 0 ? mae / range : Number.NaN,
    bias: bias / n,
    pinball: pin / n,
    coverage: covered / n,
    n,
    pinballByQuantile: { p10: pin10 / n, p50: pin50 / n, p90: pin90 / n },
    reliability: [
      { quantile: 0.1, observed: below10 / n },
      { quantile: 0.5, observed: below50 / n },
      { quantile: 0.9, observed: below90 / n },
    ],
  };
}
