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
    pin += (pinballLoss(a, f.p10, 0.1) + pinballLoss(a, f.p50, 0.5) + pinballLoss(a, f.p90, 0.9)) / 3;
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
  };
}
