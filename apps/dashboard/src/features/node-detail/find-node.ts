import type { Topology } from '../../api/types';

export type NodeKind = 'substation' | 'feeder' | 'secondary-substation' | 'battery';

export interface NodeInfo {
  id: string;
  kind: NodeKind;
  name: string;
  ratedKva: number | undefined;
  /** Ids of the nodes below (feeders of a substation, stations of a feeder). */
  children: string[];
  parents: string[];
}

/** Looks a node id up in the topology: its kind, rating and neighbours for the detail screen. */
export function findNode(topology: Topology, id: string): NodeInfo | undefined {
  for (const sub of topology.substations) {
    if (sub.substationId === id)
      return {
        id,
        kind: 'substation',
        name: sub.name,
        ratedKva: undefined,
        children: sub.feeders.map((f) => f.feederId),
        parents: [],
      };
    for (const f of sub.feeders) {
      if (f.feederId === id)
        return {
          id,
          kind: 'feeder',
          name: f.name,
          ratedKva: undefined,
          children: f.secondarySubstations.map((s) => s.secondarySubstationId),
          parents: [sub.substationId],
        };
      for (const st of f.secondarySubstations)
        if (st.secondarySubstationId === id)
          return {
            id,
            kind: 'secondary-substation',
            name: st.name,
            ratedKva: st.ratedKva,
            children: topology.batteries.filter((b) => b.secondarySubstationId === id).map((b) => b.assetId),
            parents: [sub.substationId, f.feederId],
          };
    }
  }
  const b = topology.batteries.find((x) => x.assetId === id);
  if (b)
    return {
      id,
      kind: 'battery',
      name: b.assetId,
      ratedKva: undefined,
      children: [],
      parents: [b.secondarySubstationId],
    };
  return undefined;
}
