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
  /**
   * The level correction of the day-ahead part (see {@link MergeOptions.alignment}): the freshest intraday
   * issue's mean P50 over the day-ahead issue's P50 where both cover a quarter hour, as applied beyond the
   * intraday issue's reach (Wh per quarter hour for `shift`, a factor for `scale`); absent when none applied.
   */
  alignment?: { kind: 'shift' | 'scale'; value: number; overlapSteps: number; fadeSteps: number };
}

/** How the day-ahead part of a merged forecast is brought to the level the latest intraday issue sees. */
export interface MergeOptions {
  /**
   * `off` (default): merged as issued; `scale`: the day-ahead quantiles beyond the intraday issue's reach are multiplied by the ratio
   * of the two issues' P50 sums over the quarter hours both cover (bounded to
   * {@link ALIGNMENT_SCALE_BOUNDS}; `shift` where the overlap's load is too small for a ratio, as under PV);
   * `shift`: moved by the mean difference. The correction fades linearly to zero over `alignmentFadeSteps`
   * quarter hours after the intraday issue's last one. Off by default: measured on `bench:dispatch` (leipzig
   * winter, limit mode) it held energy for an evening it overestimated and removed less energy above the rating
   * (0.868 of perfect foresight's vs 0.949; tools/bench/dispatch/README.md).
   */
  alignment?: 'scale' | 'shift' | 'off';
  alignmentFadeSteps?: number;
}

/** Default fade of the level correction: the rest of a day (the day-ahead forecast's bias is a day's). */
export const ALIGNMENT_FADE_STEPS = 96;
/** Bounds of the `scale` correction: a ratio outside them is a broken issue, not a day's level. */
export const ALIGNMENT_SCALE_BOUNDS = [0.5, 2] as const;

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
  options: MergeOptions = {},
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
  const series = { p10Wh: p10, p50Wh: p50, p90Wh: p90 };
  const alignment = alignDayAhead(ordered, byIssue, series, spans, fromMs, options);
  return { series, coverageEndMs, filledSteps, spans, ...(alignment ? { alignment } : {}) };
}

/**
 * The day-ahead forecast is issued once a day, and its error is largely a level that holds for the whole
 * day (a colder, busier day than its features know); the intraday issue, fed with the measurements up to its
 * issue time, sees that level. Where both cover a quarter hour, their P50s give the day's correction, which
 * is applied (in place) to the quarter hours after the intraday issue's reach that a day-ahead issue gives,
 * fading out over `alignmentFadeSteps`. P10, P50 and P90 move together.
 */
function alignDayAhead(
  ordered: readonly ForecastIssueInput[],
  byIssue: readonly Map<number, ForecastIssueInput['points'][number]>[],
  series: { p10Wh: number[]; p50Wh: number[]; p90Wh: number[] },
  spans: readonly ForecastSourceSpan[],
  fromMs: number,
  options: MergeOptions,
): MergedForecast['alignment'] {
  const mode = options.alignment ?? 'off';
  const fadeSteps = Math.max(0, Math.round(options.alignmentFadeSteps ?? ALIGNMENT_FADE_STEPS));
  if (mode === 'off' || fadeSteps === 0) return undefined;
  const k = ordered.findIndex((i) => i.horizon === 'intraday');
  if (k < 0) return undefined;
  const intraday = ordered[k];
  let sumIntra = 0;
  let sumDay = 0;
  let sumAbs = 0;
  let n = 0;
  let lastMs = Number.NEGATIVE_INFINITY;
  for (const p of intraday.points) {
    lastMs = Math.max(lastMs, p.targetStartMs);
    // the older issues of the other horizons: a day-ahead issue out after the intraday one knows as much
    const day = ordered.findIndex(
      (i, j) =>
        j > k &&
        i.horizon !== 'intraday' &&
        i.issueTimeMs < intraday.issueTimeMs &&
        byIssue[j].has(p.targetStartMs),
    );
    if (day < 0) continue;
    const d = byIssue[day].get(p.targetStartMs) as ForecastIssueInput['points'][number];
    sumIntra += p.p50Wh;
    sumDay += d.p50Wh;
    sumAbs += Math.abs(d.p50Wh);
    n += 1;
  }
  if (n === 0) return undefined;
  // a ratio needs a load to scale: under PV the net load passes through zero, and the shift stands in
  const ratio = sumDay > 0 && sumIntra > 0 && sumDay >= 0.5 * sumAbs ? sumIntra / sumDay : undefined;
  const [lo, hi] = ALIGNMENT_SCALE_BOUNDS;
  const kind: 'shift' | 'scale' = mode === 'scale' && ratio !== undefined ? 'scale' : 'shift';
  const value = kind === 'scale' ? Math.min(hi, Math.max(lo, ratio as number)) : (sumIntra - sumDay) / n;
  for (const span of spans) {
    if (span.kind !== 'issue' || span.horizon === 'intraday') continue;
    if (Date.parse(span.issueTime ?? '') >= intraday.issueTimeMs) continue;
    for (let at = Math.max(span.fromMs, lastMs + STEP_MS); at < span.untilMs; at += STEP_MS) {
      const fade = 1 - (at - lastMs - STEP_MS) / STEP_MS / fadeSteps;
      if (fade <= 0) break;
      const t = Math.round((at - fromMs) / STEP_MS);
      for (const q of [series.p10Wh, series.p50Wh, series.p90Wh])
        q[t] = kind === 'scale' ? q[t] * (1 + (value - 1) * fade) : q[t] + value * fade;
    }
  }
  return { kind, value, overlapSteps: n, fadeSteps };
}
