export { DispatchPlanner } from './lib/dispatch-planner';
export { mapIsolated } from './lib/feeder-isolation';
export type { IsolatedOutcome } from './lib/feeder-isolation';
export type { CommandPublisher, CycleObserver, CycleReport, PlannerSettings } from './lib/dispatch-planner';
export {
  batteryInputOf,
  commandId,
  fallbackCommands,
  historyForecast,
  HISTORY_FORECAST_DAYS,
  horizonSteps,
  mergeStoredForecasts,
  planCommands,
  siteSeriesId,
} from './lib/planning-inputs';
export type { BatteryDefaults, CommandMode } from './lib/planning-inputs';
export { AcceleratedClock, SteppedClock, systemClock } from './lib/clock';
export type { Clock } from './lib/clock';
export { DISPATCH_OPTIONS } from './lib/dispatch-service.options';
export type { DispatchServiceOptions } from './lib/dispatch-service.options';
export { cycleStartOf, DispatchCycleService } from './lib/dispatch-cycle.service';
export { DispatchInputsKafkaController } from './lib/dispatch-inputs.kafka.controller';
export { DispatchModule } from './lib/dispatch.module';
