export { GridTopology1730000000000 } from './1730000000000-grid-topology.migration';
export { GridTopologyCoordinates1766000000000 } from './1766000000000-grid-topology-coordinates.migration';
export { GridTopologyStationStreet1767000000000 } from './1767000000000-grid-topology-station-street.migration';
export { TopologyRepository } from './topology.repository';
export type { TopologyCounts, TopologyMeterPoint, TopologySnapshot } from './topology.repository';

import { GridTopology1730000000000 } from './1730000000000-grid-topology.migration';
import { GridTopologyCoordinates1766000000000 } from './1766000000000-grid-topology-coordinates.migration';
import { GridTopologyStationStreet1767000000000 } from './1767000000000-grid-topology-station-street.migration';
/** The topology tables' migrations (run by every owner of a database that holds them; idempotent by name). */
export const TOPOLOGY_MIGRATIONS = [
  GridTopology1730000000000,
  GridTopologyCoordinates1766000000000,
  GridTopologyStationStreet1767000000000,
];
