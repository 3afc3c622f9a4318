import { TOPOLOGY_MIGRATIONS } from '@gridwerk/shared/data-access-topology';
import { GridReadModel1732000000000 } from './1732000000000-grid-read-model.migration';
import { GridBatteryControl1732000000001 } from './1732000000001-grid-battery-control.migration';

/** grid-api's migrations, in order: the shared topology tables (read) and its own read model. */
export const GRID_API_MIGRATIONS = [
  ...TOPOLOGY_MIGRATIONS,
  GridReadModel1732000000000,
  GridBatteryControl1732000000001,
];
export { GridBatteryControl1732000000001, GridReadModel1732000000000 };
