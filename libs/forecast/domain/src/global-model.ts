import { ForecastError } from './errors';
import { chooseFallbackBaseline } from './fallback-baseline';
import { type FeatureConfig, type FeatureRow, buildFeatureRow, featureNames } from './features';
import { defaultTrainingOriginEveryMs } from './forecast';
import { type Horizon, horizonOrigins, horizonTargets } from './horizons';
import { fitInputPolicy, inStaleRange } from './input-guard';
import { type QuantileForecast } from './metrics';
import {
  type ModelInputs,
  type ModelMetadata,
  QuantileModel,
  type TrainOptions,
  mulberry32,
  trainQuantileModel,
} from './model';
import { type LoadSeries, isKnownAt, valueAt } from './series';

/*
 * A global model (M5-style): one quantile MLP per horizon trained on windows pooled across many series.
 * Each series is normalised by its own scale (RMS of its known history), so a 100 kVA station and a
 * substation share one network: the load-valued features, the seasonal-naive base and the target are
 * divided by the scale; calendar and weather features stay as they are. Static series features (profile
 * mix, PV and heat-pump share, rating over scale) are appended to every row. The network predicts in
 * normalised units; a series' forecast is de-normalised with its scale.
 *
 * Training time is bounded whatever the number of series: each series contributes at most
 * `samplesPerSeries` (origin, target) pairs, drawn deterministically, and the pool at most `maxSamples`.
 *
 * Per series, a binding (scale, statics, input policy, envelope, fallback baseline) turns the global model
 * into a `SeriesBoundModel`, an ordinary QuantileModel for that series: forecastGuarded, predictGuarded and
 * the registry treat it like a per-series model.
 */

/** Features whose values are load (in the series' unit): divided by the series' scale. */
export const LOAD_VALUED_FEATURES: ReadonlySet<string> = new Set([
  'lag7d',
  'lagDayMinusLag7d',
  'lag14dMinusLag7d',
  'lastKnownMinusWeekBefore',
  'mean4MinusWeekBefore',
  'lastKnownMinusMean4',
]);

export const STATIC_PROFILE_IDS = ['H25', 'G25', 'L25', 'P25', 'S25'] as const;
export type StaticProfileId = (typeof STATIC_PROFILE_IDS)[number];

/** Static features of a series, appended to every row of the global model. */
export const STATIC_FEATURE_NAMES: readonly string[] = [
  'static_known',
  ...STATIC_PROFILE_IDS.map((p) => `static_share_${p}`),
  'static_pv_share',
  'static_heat_pump_share',
  'static_rating_known',
  'static_rating_over_scale',
];

/**
 * What is known about a series besides its values (from the grid topology). All optional: a series
 * without topology (the grid, a CSV series) gets `static_known = 0`.
 */
export interface SeriesStatics {
  /** Share of the annual consumption per BDEW profile, each in [0, 1], summing to at most 1. */
  profileShares?: Partial<Record<StaticProfileId, number>>;
  /** Installed PV peak power over the peak of gross consumption (0 = no PV; may exceed 1). */
  pvShare?: number;
  /** Share of the consumption that is heat pumps, in [0, 1]. */
  heatPumpShare?: number;
  /** Rated power in the series' unit (for Wh per quarter hour: kVA × 250). */
  rating?: number;
}

function finiteNonNegative(name: string, v: number | undefined, max = Number.POSITIVE_INFINITY): void {
  if (v === undefined) return;
  if (!Number.isFinite(v) || v < 0 || v > max)
    throw new ForecastError('SERIES.INVALID', `static feature ${name} must be in [0, ${max}], got ${v}`, {
      feature: name,
    });
}

/** Throws SERIES.INVALID for a static feature out of its range. */
export function validateStatics(s: SeriesStatics): void {
  let sum = 0;
  for (const p of STATIC_PROFILE_IDS) {
    const v = s.profileShares?.[p];
    finiteNonNegative(`share_${p}`, v, 1);
    sum += v ?? 0;
  }
  if (sum > 1 + 1e-6)
    throw new ForecastError('SERIES.INVALID', `profile shares sum to ${sum.toFixed(4)}, more than 1`);
  finiteNonNegative('pvShare', s.pvShare, 100);
  finiteNonNegative('heatPumpShare', s.heatPumpShare, 1);
  finiteNonNegative('rating', s.rating);
}

/** Root mean square of the values known by `untilMs` (the series' scale); SERIES.INVALID if none or all 0. */
export function seriesScale(series: LoadSeries, untilMs: number): number {
  let sq = 0;
  let n = 0;
  for (let i = 0; i < series.values.length; i++) {
    const t = series.startMs + i * series.stepMs;
    if (!isKnownAt(series, t, untilMs)) break;
    const v = series.values[i] ?? Number.NaN;
    if (Number.isNaN(v)) continue;
    sq += v * v;
    n++;
  }
  const scale = n > 0 ? Math.sqrt(sq / n) : 0;
  if (!(scale > 0))
    throw new ForecastError(
      'SERIES.INVALID',
      `series "${series.name}" has no non-zero value before ${new Date(untilMs).toISOString()}: no scale to normalise by`,
    );
  return scale;
}

/** The static feature vector (STATIC_FEATURE_NAMES order) of a series with the given scale. */
export function staticFeatureVector(s: SeriesStatics | undefined, scale: number): number[] {
  if (s === undefined) return STATIC_FEATURE_NAMES.map(() => 0);
  return [
    1,
    ...STATIC_PROFILE_IDS.map((p) => s.profileShares?.[p] ?? 0),
    s.pvShare ?? 0,
    s.heatPumpShare ?? 0,
    s.rating === undefined ? 0 : 1,
    s.rating === undefined ? 0 : s.rating / scale,
  ];
}

/** Indices of the load-valued features in a feature list. */
export function loadValuedIndices(features: readonly string[]): number[] {
  return features.flatMap((f, i) => (LOAD_VALUED_FEATURES.has(f) ? [i] : []));
}

/** A per-series feature row in the global model's normalised space (statics appended). */
export function normaliseRow(
  row: FeatureRow,
  loadIndices: readonly number[],
  scale: number,
  statics: readonly number[],
): FeatureRow {
  const f = new Float64Array(row.features.length + statics.length);
  f.set(row.features);
  for (const i of loadIndices) f[i] = (row.features[i] ?? 0) / scale;
  f.set(statics, row.features.length);
  return { originMs: row.originMs, targetMs: row.targetMs, features: f, base: row.base / scale };
}

export const GLOBAL_BINDING_FORMAT = 'gridwerk.forecast.global-binding';
export const GLOBAL_BINDING_VERSION = 1;

/** What binds one series to a global model (stored per series in the registry). */
export interface GlobalSeriesBinding {
  format: typeof GLOBAL_BINDING_FORMAT;
  version: typeof GLOBAL_BINDING_VERSION;
  series: string;
  scale: number;
  statics: SeriesStatics;
  /** Input policy, envelope and fallback of this series (same meaning as a per-series model's). */
  inputs: ModelInputs;
  /** (origin, target) pairs this series contributed to the pooled training. */
  trainingSamples: number;
}

/** Checks the shape of a stored binding. */
export function parseGlobalBinding(v: unknown): GlobalSeriesBinding {
  const b = v as Partial<GlobalSeriesBinding> | null;
  if (
    typeof b !== 'object' ||
    b === null ||
    b.format !== GLOBAL_BINDING_FORMAT ||
    b.version !== GLOBAL_BINDING_VERSION ||
    typeof b.scale !== 'number' ||
    !(b.scale > 0) ||
    typeof b.inputs !== 'object' ||
    typeof b.statics !== 'object'
  )
    throw new ForecastError(
      'MODEL.BAD_ARTEFACT',
      `not a ${GLOBAL_BINDING_FORMAT} v${GLOBAL_BINDING_VERSION}`,
    );
  return b as GlobalSeriesBinding;
}

/**
 * The global model seen from one series: rows built with the series' own feature config are normalised,
 * get the statics appended, go through the shared network and come back in the series' unit. Shares the
 * global network: disposing it is the owner's job (dispose() here does nothing).
 */
export class SeriesBoundModel extends QuantileModel {
  private readonly loadIndices: number[];
  private readonly staticVector: number[];

  constructor(
    readonly global: QuantileModel,
    readonly binding: GlobalSeriesBinding,
  ) {
    const baseFeatures = global.metadata.features.slice(
      0,
      global.metadata.features.length - STATIC_FEATURE_NAMES.length,
    );
    const metadata: ModelMetadata = { ...global.metadata, features: baseFeatures, inputs: binding.inputs };
    super(global.sharedNetwork, metadata);
    this.loadIndices = loadValuedIndices(baseFeatures);
    this.staticVector = staticFeatureVector(binding.statics, binding.scale);
  }

  override predict(rows: readonly FeatureRow[]): QuantileForecast[] {
    const { scale } = this.binding;
    const normalised = rows.map((r) => normaliseRow(r, this.loadIndices, scale, this.staticVector));
    return this.global
      .predict(normalised)
      .map((q) => ({ p10: q.p10 * scale, p50: q.p50 * scale, p90: q.p90 * scale }));
  }

  override dispose(): void {
    // the network belongs to the global model
  }
}

/** One series offered to the global model. */
export interface GlobalSeriesInput {
  series: LoadSeries;
  statics?: SeriesStatics;
}

export interface GlobalTrainOptions extends TrainOptions {
  horizon: Horizon;
  /** Exogenous columns every series must have (a series losing one to the input guard is left out). */
  exogenous?: readonly string[];
  /** Only data known at this instant is used. */
  untilMs: number;
  /** Spacing of training origins; default as per-series training. */
  originEveryMs?: number;
  /** Pairs drawn per series; default 4,000 (fewer when the pool is full). */
  samplesPerSeries?: number;
  /** Pairs in the pool at most (per-series draws shrink to fit); default 100,000. */
  maxSamples?: number;
  /** Fewest pairs per series even when the pool is full; default 16. */
  minSamplesPerSeries?: number;
  progress?: (message: string) => void;
}

export interface GlobalSkip {
  series: string;
  code: string;
  message: string;
}

export interface GlobalTrainResult {
  model: QuantileModel;
  /** Bindings of the series the model was trained on, by series name. */
  bindings: Map<string, GlobalSeriesBinding>;
  skipped: GlobalSkip[];
  samples: number;
  samplesPerSeries: number;
  /** Seconds spent drawing and building the pooled rows, and training the network. */
  seconds: { rows: number; fit: number };
}

/** FNV-1a of a string (deterministic per-series seeds and shards, no crypto needed). */
export function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** Shard of a series among `count` shards (stable across runs and machines). */
export function shardOf(seriesId: string, count: number): number {
  return fnv1a(seriesId) % count;
}

interface SeriesDraw {
  binding: GlobalSeriesBinding;
  rows: FeatureRow[];
  actual: number[];
}

/** Draws a series' training pairs, builds their rows and its binding (input policy, fallback). */
function drawSeries(
  input: GlobalSeriesInput,
  opts: GlobalTrainOptions,
  perSeries: number,
  seed: number,
): SeriesDraw {
  const { series } = input;
  if (input.statics !== undefined) validateStatics(input.statics);
  const exogenous = opts.exogenous ?? [];
  const policy = fitInputPolicy(series, exogenous, opts.untilMs);
  const lost = exogenous.filter((c) => !policy.kept.includes(c));
  if (lost.length > 0)
    throw new ForecastError(
      'BACKTEST.BAD_OPTIONS',
      `the input guard dropped ${lost.join(', ')} for this series; the global model needs every series to have them`,
      { columns: lost },
    );
  const scale = seriesScale(series, opts.untilMs);
  const cfg: FeatureConfig = { horizon: opts.horizon, exogenous: policy.kept, columns: policy.columns };
  const every = opts.originEveryMs ?? defaultTrainingOriginEveryMs(opts.horizon, series.stepMs);
  const origins = horizonOrigins(opts.horizon, series.startMs, opts.untilMs, series.stepMs, every);
  const rows: FeatureRow[] = [];
  const actual: number[] = [];
  // Draw (origin, target) pairs directly, never enumerating them all: O(samples) per series. A pair whose
  // target is unknown, missing or stale, or whose lags are missing, is drawn again (bounded attempts).
  const rng = mulberry32(seed);
  const drawn = new Set<number>();
  const maxAttempts = perSeries * 4;
  for (let attempt = 0; attempt < maxAttempts && rows.length < perSeries && origins.length > 0; attempt++) {
    const o = origins[Math.floor(rng() * origins.length)] ?? 0;
    const targets = horizonTargets(opts.horizon, o, series.stepMs);
    const t = targets[Math.floor(rng() * targets.length)];
    if (t === undefined) continue;
    const key = o * 1024 + (t - o) / series.stepMs;
    if (drawn.has(key)) continue;
    drawn.add(key);
    if (!isKnownAt(series, t, opts.untilMs)) continue;
    const a = valueAt(series, t);
    if (Number.isNaN(a)) continue;
    if (policy.staleRanges.length > 0 && inStaleRange(policy.staleRanges, t)) continue;
    const row = buildFeatureRow(series, o, t, cfg);
    if (row === undefined) continue;
    rows.push(row);
    actual.push(a);
  }
  if (rows.length < 10)
    throw new ForecastError(
      'BACKTEST.TOO_LITTLE_HISTORY',
      `only ${rows.length} training pairs before ${new Date(opts.untilMs).toISOString()}`,
      { present: rows.length },
    );
  const binding: GlobalSeriesBinding = {
    format: GLOBAL_BINDING_FORMAT,
    version: GLOBAL_BINDING_VERSION,
    series: series.name,
    scale,
    statics: input.statics ?? {},
    inputs: {
      requested: [...exogenous],
      columns: policy.columns,
      envelope: policy.envelope,
      staleRanges: policy.staleRanges,
      staleExcluded: 0,
      decisions: policy.decisions.filter((d) => d.kind !== 'impute'),
      fallback: chooseFallbackBaseline(series, rows, actual),
    },
    trainingSamples: rows.length,
  };
  return { binding, rows, actual };
}

/**
 * Trains one global model on pairs drawn from every series (known by `untilMs`). A series that cannot take
 * part (too little history, a column dropped by the input guard, no scale) is reported in `skipped`; the
 * rest go on. The pooled rows are ordered by origin, so the validation tail (early stopping, interval
 * calibration) is the most recent period across all series.
 */
export async function trainGlobalModel(
  inputs: readonly GlobalSeriesInput[],
  opts: GlobalTrainOptions,
): Promise<GlobalTrainResult> {
  const progress = opts.progress ?? (() => undefined);
  const t0 = Date.now();
  const maxSamples = opts.maxSamples ?? 100_000;
  const perSeries = Math.max(
    opts.minSamplesPerSeries ?? 16,
    Math.min(opts.samplesPerSeries ?? 4_000, Math.floor(maxSamples / Math.max(1, inputs.length))),
  );
  const seed = opts.seed ?? 42;
  const pooled: { row: FeatureRow; actual: number }[] = [];
  const bindings = new Map<string, GlobalSeriesBinding>();
  const skipped: GlobalSkip[] = [];
  const exogenous = [...(opts.exogenous ?? [])];
  const baseFeatures = featureNames({ horizon: opts.horizon, exogenous });
  const loadIndices = loadValuedIndices(baseFeatures);
  let lastLog = Date.now();
  for (const [k, input] of inputs.entries()) {
    try {
      const d = drawSeries(input, opts, perSeries, seed ^ fnv1a(input.series.name));
      const statics = staticFeatureVector(d.binding.statics, d.binding.scale);
      d.rows.forEach((r, i) =>
        pooled.push({
          row: normaliseRow(r, loadIndices, d.binding.scale, statics),
          actual: (d.actual[i] ?? 0) / d.binding.scale,
        }),
      );
      bindings.set(input.series.name, d.binding);
    } catch (e) {
      if (!(e instanceof ForecastError)) throw e;
      skipped.push({ series: input.series.name, code: e.code, message: e.message });
    }
    if (Date.now() - lastLog > 10_000 || k === inputs.length - 1) {
      lastLog = Date.now();
      progress(`global model: rows of ${k + 1}/${inputs.length} series drawn (${pooled.length} pairs)`);
    }
    // Let timers and logs run between series.
    if (k % 50 === 49) await new Promise((r) => setImmediate(r));
  }
  if (pooled.length < 50)
    throw new ForecastError(
      'BACKTEST.TOO_LITTLE_HISTORY',
      `the global model got ${pooled.length} training pairs from ${bindings.size} series; at least 50 are needed`,
      { present: pooled.length },
    );
  pooled.sort((a, b) => a.row.originMs - b.row.originMs || a.row.targetMs - b.row.targetMs);
  const rowsSeconds = (Date.now() - t0) / 1000;
  progress(
    `global model: training on ${pooled.length} pairs of ${bindings.size} series (${skipped.length} skipped)`,
  );
  const t1 = Date.now();
  const model = await trainQuantileModel(
    {
      rows: pooled.map((p) => p.row),
      actual: pooled.map((p) => p.actual),
      horizon: opts.horizon,
      stepMs: inputs[0]?.series.stepMs ?? 900_000,
      features: [...baseFeatures, ...STATIC_FEATURE_NAMES],
      exogenous,
    },
    // Larger batches than a per-series fit: the pool is larger, and fewer steps cost less per epoch.
    { ...opts, batchSize: opts.batchSize ?? 512, log: opts.log ?? progress },
  );
  return {
    model,
    bindings,
    skipped,
    samples: pooled.length,
    samplesPerSeries: perSeries,
    seconds: { rows: rowsSeconds, fit: (Date.now() - t1) / 1000 },
  };
}

/** Whether an artefact's model is a global one (its features end with the static features). */
export function isGlobalModel(model: QuantileModel): boolean {
  const f = model.metadata.features;
  const tail = f.slice(f.length - STATIC_FEATURE_NAMES.length);
  return tail.length === STATIC_FEATURE_NAMES.length && tail.every((x, i) => x === STATIC_FEATURE_NAMES[i]);
}

/** Binds a global model to one series (validates that the model is global). */
export function bindGlobalModel(global: QuantileModel, binding: GlobalSeriesBinding): SeriesBoundModel {
  if (!isGlobalModel(global))
    throw new ForecastError('MODEL.BAD_ARTEFACT', 'the model is not a global model (no static features)');
  return new SeriesBoundModel(global, binding);
}
