export { DispatchPlanner } from './lib/dispatch-planner';
export type { CommandPublisher, CycleObserver, CycleReport, PlannerSettings } from './lib/dispatch-planner';
export {
  batteryInputOf,
  commandId,
  fallbackCommands,
  forecastCoverageEnd,
  forecastSeries,
  horizonSteps,
  planCommands,
  siteSeriesId,
} from './lib/planning-inputs';
export type { BatteryDefaults } from './lib/planning-inputs';
