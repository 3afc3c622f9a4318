import type { TopologyModel } from '@gridwerk/grid/read-model';
import type { RulesTopology } from '@gridwerk/grid/alarms';
import type { LiveTopology } from './live/live-load';
import { TopologyCatalogue } from './topology-catalogue';

export type NodeKind = 'substation' | 'feeder' | 'secondary_substation' | 'meter' | 'battery';

/** The topology with the lookups every request and the engine need (node kind, its substation). */
export class TopologyIndex {
  readonly kindOf = new Map<string, NodeKind>();
  readonly substationOf = new Map<string, string>();
  readonly live: LiveTopology;
  readonly rules: RulesTopology;
  /** Aggregates, station search and single nodes for the city-scale overview. */
  readonly catalogue: TopologyCatalogue;
  /** Meters per secondary substation and per feeder: what a complete quarter hour counts. */
  readonly metersPerStation = new Map<string, number>();
  readonly metersPerFeeder = new Map<string, number>();

  constructor(readonly model: TopologyModel) {
    this.catalogue = new TopologyCatalogue(model);
    const feederOfStation = new Map(model.secondarySubstations.map((s) => [s.id, s.feederId]));
    const substationOfFeeder = new Map(model.feeders.map((f) => [f.id, f.substationId]));
    for (const s of model.substations) {
      this.kindOf.set(s.id, 'substation');
      this.substationOf.set(s.id, s.id);
    }
    for (const f of model.feeders) {
      this.kindOf.set(f.id, 'feeder');
      this.substationOf.set(f.id, f.substationId);
    }
    const subOfStation = (st: string) => substationOfFeeder.get(feederOfStation.get(st) ?? '');
    for (const s of model.secondarySubstations) {
      this.kindOf.set(s.id, 'secondary_substation');
      const sub = subOfStation(s.id);
      if (sub) this.substationOf.set(s.id, sub);
    }
    for (const m of model.meters) {
      this.metersPerStation.set(
        m.secondarySubstationId,
        (this.metersPerStation.get(m.secondarySubstationId) ?? 0) + 1,
      );
      const f = feederOfStation.get(m.secondarySubstationId);
      if (f !== undefined) this.metersPerFeeder.set(f, (this.metersPerFeeder.get(f) ?? 0) + 1);
      this.kindOf.set(m.id, 'meter');
      const sub = subOfStation(m.secondarySubstationId);
      if (sub) this.substationOf.set(m.id, sub);
    }
    for (const b of model.batteries) {
      this.kindOf.set(b.id, 'battery');
      const sub = subOfStation(b.secondarySubstationId);
      if (sub) this.substationOf.set(b.id, sub);
    }
    this.live = {
      stationOfMeter: new Map(model.meters.map((m) => [m.id, m.secondarySubstationId])),
      feederOfStation,
      substationOfFeeder,
      stationOfBattery: new Map(model.batteries.map((b) => [b.id, b.secondarySubstationId])),
      ratedKvaOfStation: new Map(model.secondarySubstations.map((s) => [s.id, s.ratedKva])),
    };
    this.rules = {
      secondarySubstations: model.secondarySubstations.map((s) => ({
        id: s.id,
        feederId: s.feederId,
        ratedKva: s.ratedKva,
      })),
      feeders: model.feeders.map((f) => ({ id: f.id, substationId: f.substationId })),
      meters: model.meters,
    };
  }

  static empty(): TopologyIndex {
    return new TopologyIndex({
      substations: [],
      feeders: [],
      secondarySubstations: [],
      meters: [],
      batteries: [],
      communities: [],
    });
  }

  /** Whether a user with this perimeter (substation ids; undefined = all) may see the node. */
  visible(nodeId: string, perimeter: readonly string[] | undefined): boolean {
    if (perimeter === undefined) return true;
    const sub = this.substationOf.get(nodeId);
    return sub !== undefined && perimeter.includes(sub);
  }
}
