import { BatteryInput, DIMMING_MAX_CHARGE_W, DimmingSignal, STEP_MS } from './types';

/** Limits of one battery after state of health, BMS and the SoC window: kW and kWh (the LP's units). */
export interface EffectiveLimits {
  capacityKWh: number;
  minKWh: number;
  maxKWh: number;
  initialKWh: number;
  maxChargeKW: number;
  maxDischargeKW: number;
  /** √η on each direction, so that a full cycle returns η. */
  sqrtEta: number;
  roundTripEfficiency: number;
}

/**
 * Second-life packs lose power with their capacity (internal resistance grows as they age): the power is
 * the least of the converter's rating, what the cells take (nominal capacity × `maxCRate` × SoH) and the
 * BMS limits. Efficiency falls by a tenth of
 * the capacity lost (an aged pack converts more into heat).
 */
export function effectiveLimits(b: BatteryInput, maxCRate = 1): EffectiveLimits {
  const soh = clamp(b.stateOfHealthPct / 100, 0, 1);
  const capacityKWh = Math.max(0, b.usableCapacityWh) / 1000;
  const minKWh = (capacityKWh * clamp(b.minSocPct, 0, 100)) / 100;
  const maxKWh = Math.max(minKWh, (capacityKWh * clamp(b.maxSocPct, 0, 100)) / 100);
  const initialKWh = clamp((capacityKWh * b.stateOfChargePct) / 100, minKWh, maxKWh);
  // what the aged cells can take: nominal capacity × C-rate × SoH
  const cellW = b.nominalCapacityWh * maxCRate * soh;
  const cap = (rated: number, bms: number | undefined) =>
    Math.max(0, Math.min(rated, cellW, bms ?? Number.POSITIVE_INFINITY)) / 1000;
  const roundTripEfficiency = clamp(b.ratedRoundTripEfficiency * (1 - 0.1 * (1 - soh)), 0.5, 1);
  return {
    capacityKWh,
    minKWh,
    maxKWh,
    initialKWh,
    maxChargeKW: cap(b.ratedChargeW, b.bmsMaxChargeW),
    maxDischargeKW: cap(b.ratedDischargeW, b.bmsMaxDischargeW),
    sqrtEta: Math.sqrt(roundTripEfficiency),
    roundTripEfficiency,
  };
}

/** Charge limit of a battery in the step starting at `stepStartMs`, kW, after §14a dimming. */
export function chargeLimitKW(
  b: BatteryInput,
  limits: EffectiveLimits,
  dimming: readonly DimmingSignal[],
  stepStartMs: number,
): number {
  let kw = limits.maxChargeKW;
  for (const d of dimming) {
    const applies =
      (d.assetId === undefined || d.assetId === b.assetId) &&
      (d.secondarySubstationId === undefined || d.secondarySubstationId === b.secondarySubstationId);
    // the window overlaps the step: dimming binds for the whole quarter hour (conservative)
    if (applies && d.fromMs < stepStartMs + STEP_MS && d.untilMs > stepStartMs)
      kw = Math.min(kw, (d.maxChargeW ?? DIMMING_MAX_CHARGE_W) / 1000);
  }
  return kw;
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v));
}
