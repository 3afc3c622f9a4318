/** Step of every plan: the quarter hours of the German day-ahead market (SDAC 15-minute products). */
export const STEP_MS = 15 * 60 * 1000;
export const STEP_H = 0.25;

/** A storage unit as the planner sees it: topology + latest telemetry. Power in W, energy in Wh. */
export interface BatteryInput {
  assetId: string;
  secondarySubstationId: string;
  nominalCapacityWh: number;
  /** Usable capacity now (nominal × SoH), Wh, from telemetry. */
  usableCapacityWh: number;
  stateOfHealthPct: number;
  /** State of charge now, % of usable. */
  stateOfChargePct: number;
  /** Rated power of the converter, W. */
  ratedChargeW: number;
  ratedDischargeW: number;
  /** BMS limits from telemetry where present (temperature, cell balance), W. */
  bmsMaxChargeW?: number;
  bmsMaxDischargeW?: number;
  /** Round-trip efficiency of a new pack (AC to AC), 0..1. */
  ratedRoundTripEfficiency: number;
  /** SoC window, % of usable. */
  minSocPct: number;
  maxSocPct: number;
}

/** Quantile forecast of the net load (import − export, without the batteries) of one node, Wh per step. */
export interface QuantileSeries {
  p10Wh: readonly number[];
  p50Wh: readonly number[];
  p90Wh: readonly number[];
}

/** A secondary substation (Ortsnetzstation) with its batteries behind it. */
export interface SiteInput {
  secondarySubstationId: string;
  ratedKva: number;
  forecast: QuantileSeries;
  /**
   * The highest import flow (kW) this station has already carried in the current peak period (e.g. since
   * local midnight), measured. It is sunk: the plan's `peak` cannot go below it, so the model spends no
   * stored energy shaving the horizon under a peak that has already happened and keeps it for later.
   */
  realisedPeakKW?: number;
}

/** §14a EnWG dimming: the grid operator limits storage charging (to 4.2 kW) in a window. */
export interface DimmingSignal {
  /** A battery, or every battery behind a secondary substation. */
  assetId?: string;
  secondarySubstationId?: string;
  fromMs: number;
  untilMs: number;
  /** Default 4,200 W (§14a EnWG minimum guaranteed power). */
  maxChargeW?: number;
}

export const DIMMING_MAX_CHARGE_W = 4200;

export type DispatchMode = 'market' | 'grid-serving';

/** Economic and technical parameters of the model; all money in euro-cents. */
export interface DispatchParameters {
  /** `grid-serving`: a grid operator's own storage under §11b EnWG, no market arbitrage. */
  mode: DispatchMode;
  /** cos φ used to turn kVA ratings into active-power limits. */
  powerFactor: number;
  /** Reverse flow (net feed-in) tolerated before the PV-absorption penalty starts, share of the rating. */
  reverseFlowLimitShare: number;
  /** Price of the slack above the rating with the P50 load (hard limit, priced slack), ct per kWh. */
  overRatingCtPerKWh: number;
  /** Price of the slack of the P90 reserve scenario, ct per kWh. */
  reserveShortfallCtPerKWh: number;
  /** Price of reverse flow beyond the limit (P50; the P10 headroom scenario costs half), ct per kWh. */
  reverseFlowCtPerKWh: number;
  /** Peak shaving below the rating: cost per kW of the highest planned loading of each station. */
  peakCtPerKW: number;
  /** Replacement value of a pack per kWh of nominal capacity, ct (the second-life purchase price). */
  packValueCtPerKWh: number;
  /** Equivalent full cycles from 100 % SoH down to the end-of-life SoH. */
  cycleLifeEfc: number;
  endOfLifeSohPct: number;
  /** Highest C-rate the cells take when new, 1/h (scaled by SoH). */
  maxCRate: number;
  /** C-rate above which the extra penalty applies, 1/h. */
  highCRate: number;
  highCRatePenaltyCtPerKWh: number;
  /**
   * Quarter hours at the start of the horizon that run as commanded, without a re-plan in between: no
   * reserve can be deployed in them later, so their own setpoints must keep the P90 load under the rating
   * and take the P10 surplus (priced as the reserve shortfall / P10 reverse flow). 1 with a re-plan every
   * quarter hour.
   */
  firstStageSteps: number;
  /**
   * Where between the P50 and the P90 the plan puts the import load it holds under the rating and shaves
   * (0 = P50, 1 = P90; the export side stays on the P50): a risk-weighted plan for a forecast that is
   * biased low on the overloaded days, so that the plan holds enough energy for the peak. Default 0.
   */
  upperQuantileWeight?: number;
  /**
   * Extra price per kWh charged or discharged, ct, on top of the degradation from SoH (which is about
   * 1 ct/kWh for a second-life pack): damps cycling on forecast noise that buys nothing. Default 0.
   */
  throughputCtPerKWh?: number;
}

export const DEFAULT_PARAMETERS: DispatchParameters = {
  mode: 'grid-serving',
  powerFactor: 0.95,
  reverseFlowLimitShare: 0.5,
  overRatingCtPerKWh: 100_000,
  reserveShortfallCtPerKWh: 5_000,
  reverseFlowCtPerKWh: 500,
  peakCtPerKW: 200,
  packValueCtPerKWh: 6_000,
  cycleLifeEfc: 3000,
  endOfLifeSohPct: 60,
  maxCRate: 1,
  highCRate: 0.5,
  highCRatePenaltyCtPerKWh: 2,
  firstStageSteps: 1,
};

/** Everything one plan is made from: one feeder (or any set of sites) over one horizon. */
export interface DispatchProblem {
  /** e.g. the feeder id; names the model. */
  scopeId: string;
  /** First step start, UTC ms, quarter-hour aligned. */
  startMs: number;
  steps: number;
  sites: readonly SiteInput[];
  batteries: readonly BatteryInput[];
  /** Day-ahead price per step, ct per kWh (may be negative). */
  pricesCtPerKWh: readonly number[];
  dimming: readonly DimmingSignal[];
  parameters: DispatchParameters;
}

/** One battery's planned quarter hour, mapped back from the LP. */
export interface PlannedSetpoint {
  intervalStartMs: number;
  /** AC power, integer W, + = discharge; within every limit of the battery at that step. */
  setpointW: number;
  /** Planned SoC at the end of the step, %. */
  socPct: number;
}

export interface SitePlanStep {
  intervalStartMs: number;
  /** Forecast net load without batteries (P50), W. */
  loadP50W: number;
  loadP90W: number;
  loadP10W: number;
  /** Planned loading with the batteries (P50), W. */
  plannedW: number;
  ratingW: number;
  /** What bound this step: the reason a setpoint was chosen. */
  binding: 'over-rating' | 'p90-reserve' | 'pv-surplus' | 'peak' | 'arbitrage' | 'idle';
  /**
   * Flow above the rating the batteries cannot take in this step (on the load the plan holds under the
   * rating, see `upperQuantileWeight`), W; absent when the plan keeps the rating.
   */
  overRatingW?: number;
}

export interface DispatchPlan {
  scopeId: string;
  startMs: number;
  steps: number;
  status: 'optimal';
  objectiveCt: number;
  /** The objective split by term, ct: why this plan. */
  costBreakdownCt: Record<CostTerm, number>;
  batteries: Record<string, PlannedSetpoint[]>;
  sites: Record<string, SitePlanStep[]>;
  /** Degradation price per kWh of throughput of each battery, ct. */
  degradationCtPerKWh: Record<string, number>;
}

export type CostTerm =
  | 'overRating'
  | 'reserveShortfall'
  | 'reverseFlow'
  | 'peak'
  | 'energy'
  | 'degradation'
  | 'highCRate'
  | 'terminalValue';
