import type { FleetBattery } from './topology';

// Module-level aliases: hot loops avoid global lookups, which are slow inside VM contexts (e.g. Jest).
const { abs, exp, floor, max, min, round, sqrt } = Math;

/** External command (from dispatch); overrides the local policy while valid. */
export interface BatteryCommand {
  mode: 'setpoint' | 'auto' | 'idle';
  /** For 'setpoint': requested power in W, + = discharge, - = charge. */
  setpointW?: number;
  /** ISO instant or epoch ms, inclusive. */
  validFrom: string | number;
  /** ISO instant or epoch ms, exclusive. */
  validUntil: string | number;
}

export type BatteryMode = 'auto' | 'remote' | 'idle';

export interface BatteryState {
  /** Energy stored, Wh (fractional; reported SoC is derived). */
  storedWh: number;
  temperatureC: number;
  mode: BatteryMode;
  /** Cumulative energy charged from the grid (AC side), Wh. */
  chargedWh: number;
  /** Cumulative energy discharged into the grid (AC side), Wh. */
  dischargedWh: number;
}

export interface BatteryStepInput {
  intervalStartMs: number;
  minutes: number;
  /** Net export of its secondary substation (PV surplus), W, >= 0. */
  localSurplusW: number;
  /** Net import of its secondary substation, W, >= 0. */
  localLoadW: number;
  /** Local (Europe/Berlin) wall-clock minute of the interval start. */
  localMinuteOfDay: number;
  ambientC: number;
  command?: BatteryCommand;
}

export interface BatteryStepResult {
  /** AC power over the interval, integer W, + = discharge. */
  powerW: number;
  mode: BatteryMode;
}

/** Evening discharge window of the auto policy, local time [17:00, 21:00). */
export const EVENING_WINDOW = { fromMinute: 17 * 60, toMinute: 21 * 60 } as const;

/** Thermal model: steady-state rise per kW of throughput and the time constant of the pack. */
const KELVIN_PER_KW = 0.12;
const THERMAL_TAU_MIN = 120;

function instantMs(v: string | number): number {
  return typeof v === 'number' ? v : Date.parse(v);
}

export function isCommandActive(
  command: BatteryCommand | undefined,
  atMs: number,
): command is BatteryCommand {
  return (
    command !== undefined && atMs >= instantMs(command.validFrom) && atMs < instantMs(command.validUntil)
  );
}

/** Initial state: SoC at 50 % of usable capacity, ambient temperature. */
export function initialBatteryState(spec: FleetBattery, ambientC: number): BatteryState {
  return {
    storedWh: spec.usableCapacityWh * 0.5,
    temperatureC: ambientC,
    mode: 'auto',
    chargedWh: 0,
    dischargedWh: 0,
  };
}

export function stateOfChargePct(spec: FleetBattery, state: BatteryState): number {
  return round((state.storedWh / spec.usableCapacityWh) * 1000) / 10;
}

/**
 * One interval of a second-life fleet battery. SoC is relative to the usable (degraded) capacity.
 * Losses are split symmetrically: charging stores P·dt·sqrt(eta), discharging draws P·dt/sqrt(eta) from
 * the cells, so a full cycle returns eta of what went in.
 * Policy 'auto': charge from the local PV surplus, discharge into the local load 17:00-21:00, else rest.
 * An active command overrides it: 'setpoint' (mode 'remote'), 'idle', or 'auto' (explicitly the policy).
 * The requested power is clipped to the power limits and to what the SoC window allows in this interval,
 * then rounded to integer W; the energy booked is the one of the rounded power, so the balance is exact.
 */
export function stepBattery(
  spec: FleetBattery,
  state: BatteryState,
  input: BatteryStepInput,
): BatteryStepResult {
  const hours = input.minutes / 60;
  const sqrtEta = sqrt(spec.roundTripEfficiency);
  const minWh = (spec.usableCapacityWh * spec.minSocPct) / 100;
  const maxWh = (spec.usableCapacityWh * spec.maxSocPct) / 100;

  let requestW: number;
  let mode: BatteryMode;
  const cmd = input.command;
  if (isCommandActive(cmd, input.intervalStartMs) && cmd.mode !== 'auto') {
    if (cmd.mode === 'idle') {
      requestW = 0;
      mode = 'idle';
    } else {
      requestW = cmd.setpointW ?? 0;
      mode = 'remote';
    }
  } else {
    mode = 'auto';
    const m = input.localMinuteOfDay;
    if (input.localSurplusW > 0) requestW = -input.localSurplusW;
    else if (m >= EVENING_WINDOW.fromMinute && m < EVENING_WINDOW.toMinute) requestW = input.localLoadW;
    else requestW = 0;
  }

  // power limits
  let p = max(-spec.maxChargeW, min(spec.maxDischargeW, requestW));
  // energy limits for this interval
  if (p > 0) {
    const maxP = ((state.storedWh - minWh) * sqrtEta) / hours;
    p = max(0, min(p, maxP));
  } else if (p < 0) {
    const maxC = (maxWh - state.storedWh) / sqrtEta / hours;
    p = -max(0, min(-p, maxC));
  }
  // integer W, rounded towards zero so the limits still hold
  const truncated = p >= 0 ? floor(p) : -floor(-p);
  const powerW = truncated === 0 ? 0 : truncated; // no -0 on the wire

  if (powerW > 0) {
    const ac = powerW * hours;
    state.storedWh = max(minWh, state.storedWh - ac / sqrtEta);
    state.dischargedWh += ac;
  } else if (powerW < 0) {
    const ac = -powerW * hours;
    state.storedWh = min(maxWh, state.storedWh + ac * sqrtEta);
    state.chargedWh += ac;
  }
  const target = input.ambientC + (KELVIN_PER_KW * abs(powerW)) / 1000;
  state.temperatureC += (target - state.temperatureC) * (1 - exp(-input.minutes / THERMAL_TAU_MIN));
  state.mode = mode;
  return { powerW, mode };
}
