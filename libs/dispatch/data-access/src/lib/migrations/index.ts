import { TOPOLOGY_MIGRATIONS } from '@gridwerk/shared/data-access-topology';
import { DispatchTables1733000000000 } from './1733000000000-dispatch-tables.migration';

/** The dispatch service's migrations: the shared topology tables (idempotent by name) and its own. */
export const DISPATCH_MIGRATIONS = [...TOPOLOGY_MIGRATIONS, DispatchTables1733000000000];
