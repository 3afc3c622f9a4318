import type { FleetBattery } from './topology';

// Module-level aliases: hot loops avoid global lookups, which are slow inside VM contexts (e.g. Jest).
const { abs, exp, floor, max, min, round, sqrt } = Math;

/** External command (from dispatch); overrides the local policy while valid. */
export interface BatteryCommand {
  mode: 'setpoint' | 'limit' | 'auto' | 'idle';
  /** For 'setpoint': requested power in W, + = discharge, - = charge. */
  setpointW?: number;
  /** For 'limit': the station flow (import through the transformer, W) the unit holds on its own measurement. */
  stationLimitW?: number;
  /** For 'limit': state of charge (% of usable) the unit does not discharge below (kept for later steps). */
  socReservePct?: number;
  /** ISO instant or epoch ms, inclusive. */
  validFrom: string | number;
  /** ISO instant or epoch ms, exclusive. */
  validUntil: string | number;
  /** When dispatch issued it: of several commands valid at once, the latest issued wins. */
  issuedAt?: string | number;
}

/**
 * The commands a unit holds: one per validity window (a dispatch plan sends the next quarter hours ahead,
 * and a re-plan replaces them). At each instant the latest-issued command whose window contains it rules;
 * expired ones are dropped.
 */
export class BatteryCommandSchedule {
  private commands: BatteryCommand[] = [];

  add(command: BatteryCommand): void {
    this.commands.push(command);
    if (this.commands.length > 64) this.commands.splice(0, this.commands.length - 64);
  }

  activeAt(atMs: number): BatteryCommand | undefined {
    let best: BatteryCommand | undefined;
    let bestIssued = Number.NEGATIVE_INFINITY;
    for (const c of this.commands) {
      if (!isCommandActive(c, atMs)) continue;
      const issued = c.issuedAt === undefined ? Number.NEGATIVE_INFINITY : instantMs(c.issuedAt);
      if (best === undefined || issued >= bestIssued) {
        best = c;
        bestIssued = issued;
      }
    }
    return best;
  }

  /** Drops commands that ended at or before `atMs`. */
  prune(atMs: number): void {
    this.commands = this.commands.filter((c) => instantMs(c.validUntil) > atMs);
  }

  get size(): number {
    return this.commands.length;
  }
}

/**
 * Local controller of a unit when no command rules: threshold peak shaving in the manner of OpenEMS's
 * `Controller.Ess.PeakShaving` on the measured loading of its secondary substation — discharge above
 * `peakShavingW`, charge below `rechargeW` (night valleys, PV surplus), rest in between. The thresholds
 * are shares of the station's active-power rating (the same rule as `thresholdPeakShaving` of
 * `@gridwerk/dispatch/domain`, which dispatch falls back to).
 */
export interface LocalRuleThresholds {
  peakShavingW: number;
  rechargeW: number;
}

export const LOCAL_RULE_POWER_FACTOR = 0.95;
export const LOCAL_RULE_PEAK_SHAVING_SHARE = 0.9;
export const LOCAL_RULE_RECHARGE_SHARE = 0.5;

export function localRuleThresholds(ratedKva: number): LocalRuleThresholds {
  const ratingW = ratedKva * LOCAL_RULE_POWER_FACTOR * 1000;
  return {
    peakShavingW: ratingW * LOCAL_RULE_PEAK_SHAVING_SHARE,
    rechargeW: ratingW * LOCAL_RULE_RECHARGE_SHARE,
  };
}

/** Capacity fade of the second-life packs: % of SoH per equivalent full cycle of AC throughput. */
export const SOH_FADE_PCT_PER_EFC = 0.01;

export type BatteryMode = 'auto' | 'remote' | 'idle';

/** Which control is in effect (telemetry `control`, grid.battery.telemetry.v1). */
export type BatteryControl = 'planned-setpoint' | 'planned-limit' | 'local-rule' | 'idle';

export interface BatteryState {
  /** Energy stored, Wh (fractional; reported SoC is derived). */
  storedWh: number;
  /** State of health now, % of nominal: degrades with throughput. */
  stateOfHealthPct: number;
  /** Usable capacity now (nominal × SoH), Wh, fractional. */
  usableCapacityWh: number;
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
  /** Thresholds of the local rule (from the station's rating). */
  thresholds: LocalRuleThresholds;
  command?: BatteryCommand;
}

export interface BatteryStepResult {
  /** AC power over the interval, integer W, + = discharge. */
  powerW: number;
  mode: BatteryMode;
  control: BatteryControl;
}

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
    stateOfHealthPct: spec.stateOfHealthPct,
    usableCapacityWh: spec.usableCapacityWh,
    temperatureC: ambientC,
    mode: 'auto',
    chargedWh: 0,
    dischargedWh: 0,
  };
}

export function stateOfChargePct(_spec: FleetBattery, state: BatteryState): number {
  return round((state.storedWh / state.usableCapacityWh) * 1000) / 10;
}

/**
 * One interval of a second-life fleet battery. SoC is relative to the usable (degraded) capacity.
 * Losses are split symmetrically: charging stores P·dt·sqrt(eta), discharging draws P·dt/sqrt(eta) from
 * the cells, so a full cycle returns eta of what went in.
 * Policy 'auto': the local threshold rule ({@link LocalRuleThresholds}) on the station's measured load.
 * An active command overrides it: 'setpoint' (mode 'remote'), 'limit' (mode 'remote': the unit holds the
 * station flow at `stationLimitW` on its own measurement, in the manner of OpenEMS's peak-shaving controller:
 * it discharges what the station's load exceeds the limit by, never below `socReservePct`, and recharges with
 * the headroom below it; the simulation's step — a minute at PT1M — is the controller's cycle), 'idle', or
 * 'auto' (explicitly the policy).
 * The state of health fades by {@link SOH_FADE_PCT_PER_EFC} per equivalent full cycle (AC throughput over
 * twice the nominal capacity), and the usable capacity with it.
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
  const minWh = (state.usableCapacityWh * spec.minSocPct) / 100;
  const maxWh = (state.usableCapacityWh * spec.maxSocPct) / 100;

  let requestW: number;
  let mode: BatteryMode;
  let control: BatteryControl;
  // the lowest energy a discharge may leave: the SoC window, or a limit command's reserve above it
  let floorWh = minWh;
  const cmd = input.command;
  const loadW = input.localLoadW - input.localSurplusW;
  if (isCommandActive(cmd, input.intervalStartMs) && cmd.mode !== 'auto') {
    if (cmd.mode === 'idle') {
      requestW = 0;
      mode = 'idle';
      control = 'idle';
    } else if (cmd.mode === 'limit') {
      requestW = loadW - (cmd.stationLimitW ?? loadW);
      floorWh = max(minWh, min(maxWh, (state.usableCapacityWh * (cmd.socReservePct ?? 0)) / 100));
      mode = 'remote';
      control = 'planned-limit';
    } else {
      requestW = cmd.setpointW ?? 0;
      mode = 'remote';
      control = 'planned-setpoint';
    }
  } else {
    mode = 'auto';
    control = 'local-rule';
    const th = input.thresholds;
    if (loadW > th.peakShavingW) requestW = loadW - th.peakShavingW;
    else if (loadW < th.rechargeW) requestW = loadW - th.rechargeW;
    else requestW = 0;
  }

  // power limits
  let p = max(-spec.maxChargeW, min(spec.maxDischargeW, requestW));
  // energy limits for this interval
  if (p > 0) {
    const maxP = (max(0, state.storedWh - floorWh) * sqrtEta) / hours;
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
  if (powerW !== 0) {
    const efc = (abs(powerW) * hours) / (2 * spec.nominalCapacityWh);
    state.stateOfHealthPct = max(0, state.stateOfHealthPct - efc * SOH_FADE_PCT_PER_EFC);
    state.usableCapacityWh = (spec.nominalCapacityWh * state.stateOfHealthPct) / 100;
    state.storedWh = min(state.storedWh, (state.usableCapacityWh * spec.maxSocPct) / 100);
  }
  const target = input.ambientC + (KELVIN_PER_KW * abs(powerW)) / 1000;
  state.temperatureC += (target - state.temperatureC) * (1 - exp(-input.minutes / THERMAL_TAU_MIN));
  state.mode = mode;
  return { powerW, mode, control };
}
