// Public API of @gridwerk/dispatch/domain: typed inputs, the LP built by a pure function, the solver
// port, the plan read back into setpoints, and the local threshold rule.
export * from './types';
export { effectiveLimits, chargeLimitKW } from './battery-limits';
export type { EffectiveLimits } from './battery-limits';
export { degradationCtPerKWh } from './degradation';
export { LpBuilder, rowActivity, withExtraRows } from './lp-model';
export type { LpModel, LpSolution, LpSolver, LpStatus } from './lp-model';
export { buildDispatchModel, readDispatchPlan, DispatchModelError } from './dispatch-model';
export type { DispatchModelIndex } from './dispatch-model';
export { planDispatch } from './plan-dispatch';
export type { PlanOutcome } from './plan-dispatch';
export {
  DEFAULT_PEAK_SHAVING_SHARE,
  DEFAULT_RECHARGE_SHARE,
  thresholdPeakShaving,
  thresholdSettingsFor,
} from './threshold-rule';
export type { ThresholdRuleBattery, ThresholdRuleSettings } from './threshold-rule';
export { injectInfeasibility } from './fault-injection';
export {
  ONAN_DISTRIBUTION_TRANSFORMER,
  ThermalModelError,
  relativeAgeingRate,
  simulateTransformerThermal,
  steadyThermalState,
} from './transformer-thermal';
export type {
  ThermalResult,
  ThermalSample,
  ThermalState,
  ThermalStep,
  TransformerThermalParameters,
} from './transformer-thermal';
export { LIMIT_MODE_UPPER_QUANTILE_WEIGHT, limitModeParameters, plannedLimits } from './planned-limits';
export type { PlannedLimit } from './planned-limits';
export { ALIGNMENT_FADE_STEPS, ALIGNMENT_SCALE_BOUNDS, mergeForecastIssues } from './forecast-merge';
export type { ForecastIssueInput, ForecastSourceSpan, MergedForecast, MergeOptions } from './forecast-merge';
export { horizonSteps } from './horizon';
