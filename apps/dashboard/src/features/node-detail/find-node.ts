import type { TopologyNodeDto } from '../../api/types';

export type NodeKind = 'substation' | 'feeder' | 'secondary-substation';

export interface NodeInfo {
  id: string;
  kind: NodeKind;
  name: string;
  street: string | undefined;
  ratedKva: number | undefined;
  /** Ids of the nodes below (feeders of a substation, stations of a feeder). */
  children: string[];
  parents: string[];
}

/**
 * The detail screen's view of a node from GET /api/v1/topology/nodes/:id: its kind, rating and
 * neighbours (a feeder's summed station rating is no transformer rating, so only stations keep one).
 */
export function nodeInfo(dto: TopologyNodeDto): NodeInfo {
  const kind: NodeKind =
    dto.kind === 'substation' ? 'substation' : dto.kind === 'feeder' ? 'feeder' : 'secondary-substation';
  return {
    id: dto.id,
    kind,
    name: dto.name,
    street: dto.street ?? undefined,
    ratedKva: kind === 'secondary-substation' && dto.ratedKva !== null ? dto.ratedKva : undefined,
    children: dto.children.map((c) => c.id),
    parents:
      kind === 'substation'
        ? []
        : kind === 'feeder'
          ? [dto.substationId]
          : [dto.substationId, ...(dto.feederId ? [dto.feederId] : [])],
  };
}
