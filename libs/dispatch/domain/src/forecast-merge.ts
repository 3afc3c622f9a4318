import { QuantileSeries, STEP_MS } from './types';

/** One issue of a station's quantile forecast as the forecast service publishes it (grid.forecasts.v1). */
export interface ForecastIssueInput {
  /** `intraday` or `day-ahead`. */
  horizon: string;
  issueTimeMs: number;
  modelVersion: string;
  points: readonly { targetStartMs: number; p10Wh: number; p50Wh: number; p90Wh: number }[];
}

/** A run of consecutive quarter hours of the horizon taken from one issue (or filled). */
export interface ForecastSourceSpan {
  fromMs: number;
  /** Exclusive. */
  untilMs: number;
  /** `filled`: no issue covers these quarter hours; the same quarter hour of an earlier day stands in. */
  kind: 'issue' | 'filled';
  horizon?: string;
  issueTime?: string;
  modelVersion?: string;
}

export interface MergedForecast {
  series: QuantileSeries;
  /** End (exclusive) of the quarter hours from the start that some issue covers without a gap. */
  coverageEndMs: number;
  /** Quarter hours of the horizon that no issue covers (filled). */
  filledSteps: number;
  spans: ForecastSourceSpan[];
}

/**
 * Merges the latest issue of each horizon of one series into one forecast over `steps` quarter hours from
 * `fromMs`: for every quarter hour the freshest issue that covers it wins (on a tie, the shorter horizon:
 * intraday before day-ahead). So the intraday issue of 4 h replaces the day-ahead one where it reaches and
 * the day-ahead issue gives the rest of the horizon, instead of one replacing the other. A quarter hour no
 * issue covers takes the merged value of the same quarter hour one day earlier (up to 7 days back: daily
 * persistence of the forecast itself), else the last value before it, and is counted as filled.
 */
export function mergeForecastIssues(
  issues: readonly ForecastIssueInput[],
  fromMs: number,
  steps: number,
): MergedForecast {
  const rank = (i: ForecastIssueInput) => [i.issueTimeMs, i.horizon === 'intraday' ? 1 : 0] as const;
  const ordered = [...issues].sort((a, b) => {
    const [ta, ha] = rank(a);
    const [tb, hb] = rank(b);
    return tb - ta || hb - ha;
  });
  const byIssue = ordered.map((i) => new Map(i.points.map((p) => [p.targetStartMs, p])));
  // every target an issue covers, for the persistence fill beyond the horizon's covered part
  const lookup = (at: number) => {
    for (let k = 0; k < ordered.length; k++) {
      const p = byIssue[k].get(at);
      if (p) return { p, k };
    }
    return undefined;
  };
  const p10: number[] = [];
  const p50: number[] = [];
  const p90: number[] = [];
  const spans: ForecastSourceSpan[] = [];
  let coverageEndMs = fromMs;
  let contiguous = true;
  let filledSteps = 0;
  for (let t = 0; t < steps; t++) {
    const at = fromMs + t * STEP_MS;
    const hit = lookup(at);
    let source: Omit<ForecastSourceSpan, 'fromMs' | 'untilMs'>;
    if (hit) {
      p10.push(hit.p.p10Wh);
      p50.push(hit.p.p50Wh);
      p90.push(hit.p.p90Wh);
      const i = ordered[hit.k];
      source = {
        kind: 'issue',
        horizon: i.horizon,
        issueTime: new Date(i.issueTimeMs).toISOString(),
        modelVersion: i.modelVersion,
      };
      if (contiguous) coverageEndMs = at + STEP_MS;
    } else {
      contiguous = false;
      filledSteps += 1;
      source = { kind: 'filled' };
      let back = 96;
      while (back <= 7 * 96 && t - back < 0 && lookup(at - back * STEP_MS) === undefined) back += 96;
      if (t - back >= 0) {
        p10.push(p10[t - back]);
        p50.push(p50[t - back]);
        p90.push(p90[t - back]);
      } else {
        const earlier = back <= 7 * 96 ? lookup(at - back * STEP_MS) : undefined;
        p10.push(earlier?.p.p10Wh ?? p10.at(-1) ?? 0);
        p50.push(earlier?.p.p50Wh ?? p50.at(-1) ?? 0);
        p90.push(earlier?.p.p90Wh ?? p90.at(-1) ?? 0);
      }
    }
    const last = spans.at(-1);
    if (
      last &&
      last.kind === source.kind &&
      last.issueTime === source.issueTime &&
      last.horizon === source.horizon
    )
      last.untilMs = at + STEP_MS;
    else spans.push({ fromMs: at, untilMs: at + STEP_MS, ...source });
  }
  return { series: { p10Wh: p10, p50Wh: p50, p90Wh: p90 }, coverageEndMs, filledSteps, spans };
}
