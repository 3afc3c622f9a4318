export { HighsLpSolver } from './lib/highs-lp-solver';
export { HighsSolverPool, SolveTimeoutError } from './lib/highs-solver-pool';
export type { SolverPoolOptions } from './lib/highs-solver-pool';
export { DispatchRepository } from './lib/dispatch.repository';
export type { FeederTopology, PlanRecord, StoredForecast, StoredPlan } from './lib/dispatch.repository';
export { DISPATCH_MIGRATIONS } from './lib/migrations';
export { DispatchTables1733000000000 } from './lib/migrations/1733000000000-dispatch-tables.migration';
export { DispatchPlanView1733000000001 } from './lib/migrations/1733000000001-dispatch-plan-view.migration';
export {
  CsvFilePriceSource,
  HttpCsvPriceSource,
  NoPriceSource,
  parsePriceCsv,
  PriceSourceError,
  SyntheticPriceSource,
  syntheticPriceCtPerKWh,
} from './lib/price-source';
export type { PriceSource } from './lib/price-source';
export { AdvisoryLeaderLock } from './lib/leader-lock';
