import { fitResidualQuantiles, persistence1d } from './baselines';
import { type FeatureRow } from './features';
import { type ModelInputs } from './model';
import { type LoadSeries } from './series';

/**
 * The input guard's fallback for a model (per-series or global binding): the persistence baseline (1 day or
 * 1 week, the latter being each row's seasonal-naive base) with the lower MAE on the training pairs, with
 * its residual band.
 */
export function chooseFallbackBaseline(
  series: LoadSeries,
  rows: readonly FeatureRow[],
  actual: readonly number[],
): ModelInputs['fallback'] {
  const p1 = rows.map((r) => persistence1d(series, r.originMs, r.targetMs));
  const p7 = rows.map((r) => r.base);
  const mae = (p: readonly number[]): number => {
    let s = 0;
    let n = 0;
    actual.forEach((a, i) => {
      const v = p[i] ?? Number.NaN;
      if (!Number.isNaN(v)) {
        s += Math.abs(a - v);
        n++;
      }
    });
    return n > 0 ? s / n : Number.POSITIVE_INFINITY;
  };
  const use1d = mae(p1) < mae(p7);
  const q = fitResidualQuantiles(actual, use1d ? p1 : p7);
  return { baseline: use1d ? 'persistence1d' : 'persistence7d', q10: q.q10, q90: q.q90 };
}
