import * as tf from '@tensorflow/tfjs';
import { ForecastError } from './errors';
import { type FeatureRow, type FeatureScaler, applyScaler, fitScaler } from './features';
import { type Horizon } from './horizons';
import { type ColumnPolicy, type Envelope, type InputDecision, type StaleRange } from './input-guard';
import { type QuantileForecast, pinballLoss } from './metrics';
import { type RecentCalibration } from './recent-calibration';

/*
 * A small MLP with three outputs (m, a, b) trained with the pinball loss on the load's residual over a
 * persistence base (7 d, or 1 d where that baseline had the lower training MAE), standardised. Quantiles
 * are non-crossing by construction:
 *   p50 = m, p10 = m − softplus(a), p90 = m + softplus(b).
 * The transform lives outside the network (plain dense layers serialise without custom classes).
 */

export const QUANTILES = [0.1, 0.5, 0.9] as const;
export const ARTEFACT_FORMAT = 'gridwerk.forecast.quantile-mlp';
export const ARTEFACT_VERSION = 1;

export interface TrainOptions {
  /** Hidden layer widths; default [64, 32]. */
  hiddenUnits?: readonly number[];
  learningRate?: number;
  batchSize?: number;
  maxEpochs?: number;
  /** Epochs without validation improvement before stopping; best weights are restored. */
  patience?: number;
  /** Time-ordered tail of the training rows used for early stopping and interval calibration. */
  validationFraction?: number;
  /** Seeds initialisers and batch shuffling. */
  seed?: number;
  /**
   * L2 penalty on the hidden layers' kernels (default 1e-2). Strong on purpose: with ~90 days of history
   * the day-level features identify individual days, and an unregularised net memorises them — its
   * P10/P90 collapse on the training days and its P50 degrades on new ones.
   */
  l2?: number;
  /**
   * The P10/P90 distances to P50 are rescaled so that they are pinball-optimal on the validation tail
   * for the quantiles 0.1 − margin and 0.9 + margin. A margin > 0 widens the interval for a test period
   * lying further from the training data than the validation tail does; default 0 (with the default L2
   * the calibrated interval covered 79–86 % on simulator backtests, winter to summer).
   */
  calibrationMargin?: number;
  log?: (message: string) => void;
}

export interface TrainingReport {
  samples: number;
  validationSamples: number;
  epochs: number;
  bestEpoch: number;
  validationPinball: number;
  seconds: number;
}

/** What the input guard decided for a fit (see input-guard), stored with the model. */
export interface ModelInputs {
  /** Exogenous columns asked for; `exogenous` holds the ones kept. */
  requested: string[];
  columns: Record<string, ColumnPolicy>;
  envelope: Envelope;
  staleRanges: StaleRange[];
  /** Training targets left out because they lay in a flat stretch. */
  staleExcluded: number;
  decisions: InputDecision[];
  /** Baseline replacing a forecast the guard rejects, with its training residual band. */
  fallback: { baseline: 'persistence1d' | 'persistence7d'; q10: number; q90: number };
}

/** The persistence baseline a model predicts the residual over. */
export type ModelBase = 'persistence1d' | 'persistence7d';

/** The base of a feature row for a model; `persistence1d` falls back to 7 d on rows without a 1-day lag. */
export function rowBase(row: FeatureRow, base: ModelBase | undefined): number {
  return base === 'persistence1d' ? (row.base1d ?? row.base) : row.base;
}

export interface ModelMetadata {
  trainedAt: string;
  horizon: Horizon;
  stepMs: number;
  features: string[];
  exogenous: string[];
  scaler: FeatureScaler;
  /** Standard deviation of the training residual (load − base). */
  targetScale: number;
  /**
   * What the network predicts the residual over; absent in artefacts trained before it was chosen per
   * series (they use persistence7d). A base close to the load keeps a heavily regularised net from ever
   * doing worse on average than that baseline.
   */
  base?: ModelBase;
  /** Interval widening/narrowing factors fitted on the validation tail (pinball-optimal). */
  intervalScale: { lower: number; upper: number };
  hiddenUnits: number[];
  seed: number;
  training: TrainingReport;
  metrics?: Record<string, number>;
  /** Absent in artefacts trained before the input guard. */
  inputs?: ModelInputs;
  /**
   * Level correction and conformal interval factors applied at inference (see recent-calibration); set by
   * trainForecaster, absent in older artefacts and in global models.
   */
  calibration?: RecentCalibration;
}

export interface ModelArtefact extends ModelMetadata {
  format: typeof ARTEFACT_FORMAT;
  version: typeof ARTEFACT_VERSION;
  topology: object;
  weightSpecs: tf.io.WeightsManifestEntry[];
  weightsBase64: string;
}

/** Deterministic PRNG (mulberry32) for batch shuffling. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function quantilesFromRaw(raw: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    const [m, a, b] = tf.split(raw, 3, 1) as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
    return tf.concat([m.sub(tf.softplus(a)), m, m.add(tf.softplus(b))], 1);
  }) as tf.Tensor2D;
}

function pinballTensor(y: tf.Tensor2D, q: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => {
    const tau = tf.tensor2d([QUANTILES.slice()], [1, 3]);
    const e = y.sub(q);
    return tf.maximum(e.mul(tau), e.mul(tau.sub(1))).mean();
  });
}

function buildNetwork(inputs: number, hidden: readonly number[], seed: number): tf.Sequential {
  const model = tf.sequential();
  hidden.forEach((units, i) => {
    model.add(
      tf.layers.dense({
        units,
        activation: 'relu',
        kernelInitializer: tf.initializers.heNormal({ seed: seed + i }),
        ...(i === 0 ? { inputShape: [inputs] } : {}),
      }),
    );
  });
  model.add(
    tf.layers.dense({
      units: 3,
      kernelInitializer: tf.initializers.glorotUniform({ seed: seed + hidden.length }),
    }),
  );
  return model;
}

/**
 * L2 penalty on the hidden layers' kernels, computed explicitly: a layer's `kernelRegularizer` only
 * reaches `model.losses` through `fit`, not through the custom training loop below, where it was silently
 * ignored.
 */
function hiddenKernelPenalty(network: tf.LayersModel, l2: number): tf.Scalar | undefined {
  if (l2 <= 0) return undefined;
  const kernels = network.layers
    .slice(0, -1)
    .flatMap((layer) => layer.trainableWeights.filter((w) => w.originalName.endsWith('kernel')))
    .map((w) => tf.sum<tf.Scalar>(tf.square(w.read())));
  return kernels.length > 0 ? tf.addN(kernels).mul<tf.Scalar>(l2) : undefined;
}

/** Pinball-optimal factor k for scaling the distance between P50 and one outer quantile. */
function fitIntervalFactor(y: Float32Array, p50: Float32Array, outer: Float32Array, tau: number): number {
  let best = 1;
  let bestLoss = Number.POSITIVE_INFINITY;
  for (let k = 0.5; k <= 8.0001; k += 0.05) {
    let loss = 0;
    for (let i = 0; i < y.length; i++)
      loss += pinballLoss(y[i] ?? 0, (p50[i] ?? 0) + k * ((outer[i] ?? 0) - (p50[i] ?? 0)), tau);
    if (loss < bestLoss - 1e-12) {
      bestLoss = loss;
      best = k;
    }
  }
  return Math.round(best * 100) / 100;
}

export class QuantileModel {
  constructor(
    private readonly network: tf.LayersModel,
    readonly metadata: ModelMetadata,
  ) {}

  /** The network, for a model that shares its weights (a global model bound to one series, see global-model). */
  get sharedNetwork(): tf.LayersModel {
    return this.network;
  }

  /** Forecasts for feature rows built with the same FeatureConfig, in the series' unit. */
  predict(rows: readonly FeatureRow[]): QuantileForecast[] {
    if (rows.length === 0) return [];
    const z = this.predictStandardised(rows);
    const { targetScale, intervalScale } = this.metadata;
    return rows.map((r, i) => {
      const p50 = rowBase(r, this.metadata.base) + (z[i * 3 + 1] ?? 0) * targetScale;
      const lo = (z[i * 3 + 1] ?? 0) - (z[i * 3] ?? 0);
      const hi = (z[i * 3 + 2] ?? 0) - (z[i * 3 + 1] ?? 0);
      return {
        p10: p50 - intervalScale.lower * lo * targetScale,
        p50,
        p90: p50 + intervalScale.upper * hi * targetScale,
      };
    });
  }

  /** Quantiles of the standardised residual, row-major [p10, p50, p90]. */
  predictStandardised(rows: readonly FeatureRow[]): Float32Array {
    const width = this.metadata.scaler.mean.length;
    const x = applyScaler(
      this.metadata.scaler,
      rows.map((r) => r.features),
    );
    return tf.tidy(() => {
      const raw = this.network.predict(tf.tensor2d(x, [rows.length, width]), {
        batchSize: 4096,
      }) as tf.Tensor2D;
      return quantilesFromRaw(raw).dataSync() as Float32Array;
    });
  }

  async toArtefact(metrics?: Record<string, number>): Promise<ModelArtefact> {
    let saved: tf.io.ModelArtifacts | undefined;
    await this.network.save(
      tf.io.withSaveHandler((artifacts) => {
        saved = artifacts;
        return Promise.resolve({ modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } });
      }),
    );
    if (
      saved?.modelTopology === undefined ||
      saved.weightData === undefined ||
      saved.weightSpecs === undefined
    ) {
      throw new ForecastError('MODEL.BAD_ARTEFACT', 'tfjs returned no topology or weights');
    }
    const weights = tf.io.concatenateArrayBuffers(saved.weightData);
    const meta: ModelMetadata = metrics === undefined ? this.metadata : { ...this.metadata, metrics };
    return {
      format: ARTEFACT_FORMAT,
      version: ARTEFACT_VERSION,
      ...meta,
      topology: saved.modelTopology,
      weightSpecs: saved.weightSpecs,
      weightsBase64: Buffer.from(weights).toString('base64'),
    };
  }

  dispose(): void {
    this.network.dispose();
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Restores a model from its JSON artefact (validated: format, version, shapes). */
export async function loadQuantileModel(artefact: unknown): Promise<QuantileModel> {
  if (!isRecord(artefact) || artefact['format'] !== ARTEFACT_FORMAT) {
    throw new ForecastError('MODEL.BAD_ARTEFACT', `not a ${ARTEFACT_FORMAT} artefact`);
  }
  if (artefact['version'] !== ARTEFACT_VERSION) {
    throw new ForecastError(
      'MODEL.BAD_ARTEFACT',
      `artefact version ${String(artefact['version'])} is not supported (expected ${ARTEFACT_VERSION})`,
    );
  }
  const a = artefact as unknown as ModelArtefact;
  if (
    !isRecord(a.topology) ||
    !Array.isArray(a.weightSpecs) ||
    typeof a.weightsBase64 !== 'string' ||
    !Array.isArray(a.features)
  ) {
    throw new ForecastError('MODEL.BAD_ARTEFACT', 'artefact lacks topology, weights or features');
  }
  if (
    !isRecord(a.scaler) ||
    a.scaler.mean.length !== a.features.length ||
    a.scaler.std.length !== a.features.length
  ) {
    throw new ForecastError('MODEL.BAD_ARTEFACT', 'feature scaler does not match the feature list');
  }
  const bytes = Buffer.from(a.weightsBase64, 'base64');
  const weightData = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  const network = await tf.loadLayersModel(
    tf.io.fromMemory({ modelTopology: a.topology, weightSpecs: a.weightSpecs, weightData }),
  );
  const { format: _f, version: _v, topology: _t, weightSpecs: _w, weightsBase64: _b, ...metadata } = a;
  return new QuantileModel(network, metadata);
}

export interface TrainInput {
  /** Rows in time order (origin, then target); the last `validationFraction` is the validation tail. */
  rows: readonly FeatureRow[];
  actual: readonly number[];
  horizon: Horizon;
  stepMs: number;
  features: string[];
  exogenous: string[];
  inputs?: ModelInputs;
  /** Default persistence7d. */
  base?: ModelBase;
}

/** Trains the quantile MLP with Adam, seeded shuffling, early stopping and interval calibration. */
export async function trainQuantileModel(
  input: TrainInput,
  options: TrainOptions = {},
): Promise<QuantileModel> {
  const hidden = [...(options.hiddenUnits ?? [64, 32])];
  const seed = options.seed ?? 42;
  const batchSize = options.batchSize ?? 256;
  const maxEpochs = options.maxEpochs ?? 60;
  const patience = options.patience ?? 6;
  const log = options.log ?? (() => undefined);
  const started = Date.now();

  const n = input.rows.length;
  if (n < 50)
    throw new ForecastError(
      'BACKTEST.TOO_LITTLE_HISTORY',
      `only ${n} training samples; at least 50 are needed`,
      { needed: 50, present: n },
    );
  const nVal = Math.max(1, Math.min(n - 1, Math.round(n * (options.validationFraction ?? 0.25))));
  const nTrain = n - nVal;
  const trainRows = input.rows.slice(0, nTrain);
  const scaler = fitScaler(trainRows.map((r) => r.features));
  const base = input.base ?? 'persistence7d';
  const residual = input.rows.map((r, i) => (input.actual[i] ?? 0) - rowBase(r, base));
  let sq = 0;
  for (let i = 0; i < nTrain; i++) sq += (residual[i] ?? 0) ** 2;
  const targetScale = Math.sqrt(sq / nTrain) || 1;
  const width = scaler.mean.length;

  const x = tf.tensor2d(
    applyScaler(
      scaler,
      input.rows.map((r) => r.features),
    ),
    [n, width],
  );
  const y = tf.tensor2d(
    Float32Array.from(residual, (r) => r / targetScale),
    [n, 1],
  );
  const [xTrain, xVal] = tf.split(x, [nTrain, nVal]) as [tf.Tensor2D, tf.Tensor2D];
  const [yTrain, yVal] = tf.split(y, [nTrain, nVal]) as [tf.Tensor2D, tf.Tensor2D];
  x.dispose();
  y.dispose();

  const network = buildNetwork(width, hidden, seed);
  const l2 = options.l2 ?? 1e-2;
  const optimizer = tf.train.adam(options.learningRate ?? 2e-3);
  const rng = mulberry32(seed);
  const validationLoss = (): number =>
    tf.tidy(
      () =>
        pinballTensor(
          yVal,
          quantilesFromRaw(network.predict(xVal, { batchSize: 4096 }) as tf.Tensor2D),
        ).dataSync()[0] ?? Number.NaN,
    );

  let best = Number.POSITIVE_INFINITY;
  let bestEpoch = 0;
  let bestWeights: tf.Tensor[] = [];
  let epoch = 0;
  const order = Array.from({ length: nTrain }, (_, i) => i);
  for (epoch = 1; epoch <= maxEpochs; epoch++) {
    for (let i = nTrain - 1; i > 0; i--) {
      const j = Math.floor(rng() * (i + 1));
      const t = order[i] ?? 0;
      order[i] = order[j] ?? 0;
      order[j] = t;
    }
    for (let s = 0; s < nTrain; s += batchSize) {
      const idx = tf.tensor1d(order.slice(s, s + batchSize), 'int32');
      optimizer.minimize(() => {
        const xb = tf.gather(xTrain, idx);
        const yb = tf.gather(yTrain, idx);
        const loss = pinballTensor(
          yb,
          quantilesFromRaw(network.apply(xb, { training: true }) as tf.Tensor2D),
        );
        const penalty = hiddenKernelPenalty(network, l2);
        return penalty === undefined ? loss : loss.add(penalty);
      });
      idx.dispose();
      // Yield to the event loop now and then so progress logs and timers stay responsive.
      if ((s / batchSize) % 50 === 49) await new Promise((r) => setImmediate(r));
    }
    const v = validationLoss();
    if (v < best - 1e-5) {
      best = v;
      bestEpoch = epoch;
      bestWeights.forEach((w) => w.dispose());
      bestWeights = network.getWeights().map((w) => w.clone());
    }
    log(`epoch ${epoch}: validation pinball ${v.toFixed(4)}${bestEpoch === epoch ? ' *' : ''}`);
    if (epoch - bestEpoch >= patience) break;
  }
  if (bestWeights.length > 0) network.setWeights(bestWeights);
  bestWeights.forEach((w) => w.dispose());
  optimizer.dispose();

  // Calibrate the interval on the validation tail: pinball-optimal stretch of each outer quantile.
  const qVal = tf.tidy(
    () =>
      quantilesFromRaw(network.predict(xVal, { batchSize: 4096 }) as tf.Tensor2D).dataSync() as Float32Array,
  );
  const yv = yVal.dataSync() as Float32Array;
  const p10 = new Float32Array(nVal);
  const p50 = new Float32Array(nVal);
  const p90 = new Float32Array(nVal);
  for (let i = 0; i < nVal; i++) {
    p10[i] = qVal[i * 3] ?? 0;
    p50[i] = qVal[i * 3 + 1] ?? 0;
    p90[i] = qVal[i * 3 + 2] ?? 0;
  }
  const margin = options.calibrationMargin ?? 0;
  const intervalScale = {
    lower: fitIntervalFactor(yv, p50, p10, 0.1 - margin),
    upper: fitIntervalFactor(yv, p50, p90, 0.9 + margin),
  };
  tf.dispose([xTrain, xVal, yTrain, yVal]);

  const training: TrainingReport = {
    samples: nTrain,
    validationSamples: nVal,
    epochs: Math.min(epoch, maxEpochs),
    bestEpoch,
    validationPinball: best,
    seconds: (Date.now() - started) / 1000,
  };
  log(
    `trained on ${nTrain} samples (+${nVal} validation) in ${training.seconds.toFixed(1)} s, best epoch ${bestEpoch}, interval scale ${intervalScale.lower}/${intervalScale.upper}`,
  );
  return new QuantileModel(network, {
    trainedAt: new Date().toISOString(),
    horizon: input.horizon,
    stepMs: input.stepMs,
    features: input.features,
    exogenous: input.exogenous,
    scaler,
    targetScale,
    base,
    intervalScale,
    hiddenUnits: hidden,
    seed,
    training,
    ...(input.inputs === undefined ? {} : { inputs: input.inputs }),
  });
}
