/**
 * Min/max decimation for time series with aligned companion series (forecast quantiles). A year of
 * 15-minute values is 35,040 points per series; a chart is perhaps 1,500 pixels wide. For each pixel
 * bucket we keep the points where the primary series has its minimum and its maximum, so that peaks (the
 * thing an operator looks for) survive, and take the companions at the same instants. Gaps (null) survive
 * as one null point, so that uPlot breaks the line instead of bridging an outage.
 */
export interface AlignedSeries {
  /** x values (seconds or ms), ascending. */
  x: ArrayLike<number>;
  /** y series aligned with x; series[0] is the primary one that drives the selection. */
  series: ArrayLike<number | null>[];
}

export interface DecimatedSeries {
  x: number[];
  series: (number | null)[][];
}

export function decimateMinMax(input: AlignedSeries, buckets: number): DecimatedSeries {
  const n = input.x.length;
  const k = input.series.length;
  const out: DecimatedSeries = { x: [], series: Array.from({ length: k }, () => []) };
  const push = (i: number): void => {
    out.x.push(input.x[i]);
    for (let s = 0; s < k; s++) out.series[s].push(input.series[s][i] ?? null);
  };
  if (n === 0) return out;
  const primary = input.series[0];
  if (buckets < 1 || n <= buckets * 2 || primary === undefined) {
    for (let i = 0; i < n; i++) push(i);
    return out;
  }
  const x0 = input.x[0];
  const span = input.x[n - 1] - x0 || 1;
  let i = 0;
  for (let b = 0; b < buckets && i < n; b++) {
    const end = b === buckets - 1 ? Infinity : x0 + (span * (b + 1)) / buckets;
    let minI = -1;
    let maxI = -1;
    let nullI = -1;
    for (; i < n && input.x[i] < end; i++) {
      const v = primary[i];
      if (v === null || v === undefined || Number.isNaN(v)) {
        if (nullI < 0) nullI = i;
        continue;
      }
      if (minI < 0 || v < (primary[minI] as number)) minI = i;
      if (maxI < 0 || v > (primary[maxI] as number)) maxI = i;
    }
    const picks = [minI, maxI, nullI].filter((p) => p >= 0).sort((a, b2) => a - b2);
    let last = -1;
    for (const p of picks) {
      if (p !== last) push(p);
      last = p;
    }
  }
  return out;
}
