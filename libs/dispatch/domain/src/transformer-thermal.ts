/**
 * IEC 60076-7 (loading guide for oil-immersed power transformers) thermal model: top-oil and hot-spot
 * temperature from the load factor K and the ambient temperature, the relative ageing rate V and the loss of
 * life. Pure: numbers in, numbers out.
 *
 * The dynamic response is the standard's difference-equation form of the thermal model (valid for any load
 * and ambient time series), integrated with a sub-step no longer than half of the smallest time constant:
 *
 *   Dθo   = Dt / (k11 τo)       · ( [(1 + R K²) / (1 + R)]^x · Δθor − (θo − θa) )
 *   DΔθh1 = Dt / (k22 τw)       · ( k21 · H gr · K^y − Δθh1 )
 *   DΔθh2 = Dt / (τo / k22)     · ( (k21 − 1) · H gr · K^y − Δθh2 )
 *   θh    = θo + Δθh1 − Δθh2
 *
 * Ageing of non-thermally-upgraded paper: V = 2^((θh − 98) / 6); thermally upgraded paper:
 * V = exp(15000 / 383 − 15000 / (θh + 273)). Loss of life L = ∫ V dt, in hours.
 */
export interface TransformerThermalParameters {
  /** Top-oil temperature rise over ambient at rated load, K (Δθor). */
  readonly topOilRiseK: number;
  /** Hot-spot factor H. */
  readonly hotSpotFactor: number;
  /** Average winding-to-average-oil gradient at rated load, K (gr); the hot-spot gradient is H·gr. */
  readonly windingGradientK: number;
  /** Ratio of load losses at rated current to no-load losses (R). */
  readonly lossRatio: number;
  /** Oil exponent x. */
  readonly oilExponent: number;
  /** Winding exponent y. */
  readonly windingExponent: number;
  /** Thermal model constants k11, k21, k22. */
  readonly k11: number;
  readonly k21: number;
  readonly k22: number;
  /** Oil time constant τo, minutes. */
  readonly oilTimeConstantMin: number;
  /** Winding time constant τw, minutes. */
  readonly windingTimeConstantMin: number;
  /** Insulation paper: `normal` (non-thermally upgraded, 98 °C reference) or `upgraded` (110 °C). */
  readonly paper: 'normal' | 'upgraded';
}

/**
 * ONAN distribution transformer, IEC 60076-7 recommended thermal characteristics for distribution
 * transformers (x 0.8, y 1.6, R 5, k11 1.0, k21 1.0, k22 2.0, τo 180 min, τw 4 min, H 1.1) with the rises
 * chosen so that rated load at 20 °C ambient gives the standard's 98 °C reference hot spot
 * (Δθor 55 K + H·gr 1.1 × 21 K = 78.1 K), non-thermally-upgraded paper.
 */
export const ONAN_DISTRIBUTION_TRANSFORMER: TransformerThermalParameters = {
  topOilRiseK: 55,
  hotSpotFactor: 1.1,
  windingGradientK: 21,
  lossRatio: 5,
  oilExponent: 0.8,
  windingExponent: 1.6,
  k11: 1.0,
  k21: 1.0,
  k22: 2.0,
  oilTimeConstantMin: 180,
  windingTimeConstantMin: 4,
  paper: 'normal',
};

/** Thermal state: top-oil temperature and the two hot-spot rise components of the difference equations. */
export interface ThermalState {
  readonly topOilC: number;
  readonly hotSpotRise1K: number;
  readonly hotSpotRise2K: number;
}

export interface ThermalStep {
  /** Load factor K = load / rating for this interval (≥ 0; magnitude of the flow). */
  readonly loadFactor: number;
  readonly ambientC: number;
  readonly minutes: number;
}

export interface ThermalSample {
  /** Minutes since the start, at the end of the interval. */
  readonly atMin: number;
  readonly topOilC: number;
  readonly hotSpotC: number;
}

export interface ThermalResult {
  readonly samples: readonly ThermalSample[];
  readonly final: ThermalState;
  readonly maxHotSpotC: number;
  /** ∫ V dt, hours. */
  readonly lossOfLifeHours: number;
  /** Mean relative ageing rate over the whole span (loss of life / elapsed hours). */
  readonly meanAgeingRate: number;
}

export class ThermalModelError extends Error {
  readonly code = 'DISPATCH.THERMAL_INPUT';
}

/** Relative ageing rate V at a hot-spot temperature. */
export function relativeAgeingRate(hotSpotC: number, paper: TransformerThermalParameters['paper']): number {
  if (paper === 'normal') return Math.pow(2, (hotSpotC - 98) / 6);
  return Math.exp(15000 / (110 + 273) - 15000 / (hotSpotC + 273));
}

function hotSpotGradient(p: TransformerThermalParameters, k: number): number {
  return p.hotSpotFactor * p.windingGradientK * Math.pow(k, p.windingExponent);
}

function ultimateTopOilRise(p: TransformerThermalParameters, k: number): number {
  return Math.pow((1 + p.lossRatio * k * k) / (1 + p.lossRatio), p.oilExponent) * p.topOilRiseK;
}

/** The steady state at a constant load factor and ambient (the state to start a day from). */
export function steadyThermalState(
  p: TransformerThermalParameters,
  loadFactor: number,
  ambientC: number,
): ThermalState {
  const g = hotSpotGradient(p, loadFactor);
  return {
    topOilC: ambientC + ultimateTopOilRise(p, loadFactor),
    hotSpotRise1K: p.k21 * g,
    hotSpotRise2K: (p.k21 - 1) * g,
  };
}

function check(step: ThermalStep, i: number): void {
  const ok =
    Number.isFinite(step.loadFactor) &&
    step.loadFactor >= 0 &&
    Number.isFinite(step.ambientC) &&
    Number.isFinite(step.minutes) &&
    step.minutes > 0;
  if (!ok) {
    throw new ThermalModelError(
      `step ${i}: load factor must be ≥ 0, ambient finite and minutes > 0, got ${JSON.stringify(step)}`,
    );
  }
}

/**
 * Runs the difference equations over consecutive intervals of constant load factor and ambient, from
 * `initial`. Each interval is integrated in sub-steps of at most half the smallest time constant (and at
 * most one minute), and the ageing rate is accumulated per sub-step.
 */
export function simulateTransformerThermal(
  p: TransformerThermalParameters,
  steps: readonly ThermalStep[],
  initial: ThermalState,
): ThermalResult {
  const smallest = Math.min(
    p.k11 * p.oilTimeConstantMin,
    p.k22 * p.windingTimeConstantMin,
    p.oilTimeConstantMin / p.k22,
  );
  const maxDt = Math.min(1, smallest / 2);
  let { topOilC, hotSpotRise1K, hotSpotRise2K } = initial;
  let atMin = 0;
  let lossOfLifeMin = 0;
  let maxHotSpotC = topOilC + hotSpotRise1K - hotSpotRise2K;
  const samples: ThermalSample[] = [];
  steps.forEach((step, i) => {
    check(step, i);
    const n = Math.ceil(step.minutes / maxDt - 1e-9);
    const dt = step.minutes / n;
    const g = hotSpotGradient(p, step.loadFactor);
    const oilRise = ultimateTopOilRise(p, step.loadFactor);
    for (let j = 0; j < n; j++) {
      topOilC += (dt / (p.k11 * p.oilTimeConstantMin)) * (oilRise - (topOilC - step.ambientC));
      hotSpotRise1K += (dt / (p.k22 * p.windingTimeConstantMin)) * (p.k21 * g - hotSpotRise1K);
      hotSpotRise2K += (dt / (p.oilTimeConstantMin / p.k22)) * ((p.k21 - 1) * g - hotSpotRise2K);
      const hotSpotC = topOilC + hotSpotRise1K - hotSpotRise2K;
      if (hotSpotC > maxHotSpotC) maxHotSpotC = hotSpotC;
      lossOfLifeMin += relativeAgeingRate(hotSpotC, p.paper) * dt;
    }
    atMin += step.minutes;
    samples.push({ atMin, topOilC, hotSpotC: topOilC + hotSpotRise1K - hotSpotRise2K });
  });
  const lossOfLifeHours = lossOfLifeMin / 60;
  return {
    samples,
    final: { topOilC, hotSpotRise1K, hotSpotRise2K },
    maxHotSpotC,
    lossOfLifeHours,
    meanAgeingRate: atMin > 0 ? lossOfLifeMin / atMin : 0,
  };
}
