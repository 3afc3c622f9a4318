import type { Topology } from '../../api/types';

export type NodeKind = 'substation' | 'feeder' | 'secondary-substation';

export interface NodeInfo {
  id: string;
  kind: NodeKind;
  name: string;
  ratedKva: number | undefined;
  /** Ids of the nodes below (feeders of a substation, stations of a feeder, batteries of a station). */
  children: string[];
  parents: string[];
}

/** Looks a node id up in the topology: its kind, rating and neighbours for the detail screen. */
export function findNode(topology: Topology, id: string): NodeInfo | undefined {
  for (const sub of topology.substations) {
    if (sub.id === id)
      return {
        id,
        kind: 'substation',
        name: sub.name,
        ratedKva: undefined,
        children: sub.feeders.map((f) => f.id),
        parents: [],
      };
    for (const f of sub.feeders) {
      if (f.id === id)
        return {
          id,
          kind: 'feeder',
          name: f.name,
          ratedKva: undefined,
          children: f.secondarySubstations.map((s) => s.id),
          parents: [sub.id],
        };
      for (const st of f.secondarySubstations)
        if (st.id === id)
          return {
            id,
            kind: 'secondary-substation',
            name: st.name,
            ratedKva: st.ratedKva,
            children: [],
            parents: [sub.id, f.id],
          };
    }
  }
  return undefined;
}
