/**
 * The local fallback rule: threshold peak shaving in the manner of OpenEMS's `Controller.Ess.PeakShaving`.
 * From the measured loading of the secondary substation without the battery (`loadW`, + = import):
 * - above `peakShavingW` the battery discharges the excess,
 * - below `rechargeW` it charges the gap (night valleys and PV surplus),
 * - in between it rests.
 * The result is clipped to the power limits and to what the SoC window allows in one step. It needs no
 * plan, no forecast and no price, so a unit keeps running it when dispatch is silent.
 */
export interface ThresholdRuleSettings {
  /** Discharge above this loading, W (default 90 % of the active-power rating). */
  peakShavingW: number;
  /** Charge below this loading, W (default 50 % of the rating). */
  rechargeW: number;
}

export const DEFAULT_PEAK_SHAVING_SHARE = 0.9;
export const DEFAULT_RECHARGE_SHARE = 0.5;

export function thresholdSettingsFor(
  ratedKva: number,
  powerFactor: number,
  shares: { peakShaving?: number; recharge?: number } = {},
): ThresholdRuleSettings {
  const ratingW = ratedKva * powerFactor * 1000;
  return {
    peakShavingW: ratingW * (shares.peakShaving ?? DEFAULT_PEAK_SHAVING_SHARE),
    rechargeW: ratingW * (shares.recharge ?? DEFAULT_RECHARGE_SHARE),
  };
}

export interface ThresholdRuleBattery {
  maxChargeW: number;
  maxDischargeW: number;
  /** Energy that may still be discharged / charged before the SoC window ends, Wh (AC side). */
  dischargeableWh: number;
  chargeableWh: number;
}

/** Setpoint in integer W, + = discharge, for one step of `minutes`. */
export function thresholdPeakShaving(
  settings: ThresholdRuleSettings,
  loadW: number,
  battery: ThresholdRuleBattery,
  minutes = 15,
): number {
  let w = 0;
  if (loadW > settings.peakShavingW) w = loadW - settings.peakShavingW;
  else if (loadW < settings.rechargeW) w = loadW - settings.rechargeW;
  const hours = minutes / 60;
  w = Math.min(w, battery.maxDischargeW, Math.max(0, battery.dischargeableWh) / hours);
  w = Math.max(w, -battery.maxChargeW, -Math.max(0, battery.chargeableWh) / hours);
  return (w >= 0 ? Math.floor(w) : -Math.floor(-w)) || 0;
}
