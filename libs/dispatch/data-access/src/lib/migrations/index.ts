import { TOPOLOGY_MIGRATIONS } from '@gridwerk/shared/data-access-topology';
import { DispatchTables1733000000000 } from './1733000000000-dispatch-tables.migration';
import { DispatchPlanView1733000000001 } from './1733000000001-dispatch-plan-view.migration';
import { DispatchLimitCommands1733000000002 } from './1733000000002-dispatch-limit-commands.migration';
import { DispatchForecastPerHorizon1733000000003 } from './1733000000003-dispatch-forecast-per-horizon.migration';

/** The dispatch service's migrations: the shared topology tables (idempotent by name), its own, its published view. */
export const DISPATCH_MIGRATIONS = [
  ...TOPOLOGY_MIGRATIONS,
  DispatchTables1733000000000,
  DispatchPlanView1733000000001,
  DispatchLimitCommands1733000000002,
  DispatchForecastPerHorizon1733000000003,
];
