import { Queryable, rows } from './db';

export interface TopologyModel {
  readonly substations: readonly { id: string; name: string; ratedMva: number | null }[];
  readonly feeders: readonly { id: string; substationId: string; name: string }[];
  readonly secondarySubstations: readonly {
    id: string;
    feederId: string;
    name: string;
    ratedKva: number;
    /** Street address (null when the topology has none). */
    street: string | null;
  }[];
  readonly meters: readonly { id: string; secondarySubstationId: string }[];
  readonly batteries: readonly { id: string; secondarySubstationId: string; nominalCapacityWh: number }[];
  readonly communities: readonly { id: string; name: string; feederId: string | null }[];
}

/**
 * Reads the shared topology tables (written by the simulator or the utility's GIS import through
 * `@gridwerk/shared/data-access-topology`). grid-api only reads them.
 */
export class TopologyQueries {
  async load(db: Queryable): Promise<TopologyModel> {
    const [substations, feeders, secondary, meters, batteries, communities] = await Promise.all([
      rows<{ id: string; name: string; rated_mva: number | null }>(
        db,
        'SELECT id, name, rated_mva FROM substation ORDER BY id',
      ),
      rows<{ id: string; substation_id: string; name: string }>(
        db,
        'SELECT id, substation_id, name FROM feeder ORDER BY id',
      ),
      rows<{ id: string; feeder_id: string; name: string; rated_kva: number; street: string | null }>(
        db,
        'SELECT id, feeder_id, name, rated_kva, street FROM secondary_substation ORDER BY id',
      ),
      rows<{ id: string; secondary_substation_id: string }>(
        db,
        'SELECT id, secondary_substation_id FROM meter_point ORDER BY id',
      ),
      rows<{ id: string; secondary_substation_id: string; nominal_capacity_wh: string }>(
        db,
        'SELECT id, secondary_substation_id, nominal_capacity_wh FROM battery_asset ORDER BY id',
      ),
      rows<{ id: string; name: string; feeder_id: string | null }>(
        db,
        'SELECT id, name, feeder_id FROM community ORDER BY id',
      ),
    ]);
    return {
      substations: substations.map((s) => ({ id: s.id, name: s.name, ratedMva: s.rated_mva })),
      feeders: feeders.map((f) => ({ id: f.id, substationId: f.substation_id, name: f.name })),
      secondarySubstations: secondary.map((s) => ({
        id: s.id,
        feederId: s.feeder_id,
        name: s.name,
        ratedKva: s.rated_kva,
        street: s.street,
      })),
      meters: meters.map((m) => ({ id: m.id, secondarySubstationId: m.secondary_substation_id })),
      batteries: batteries.map((b) => ({
        id: b.id,
        secondarySubstationId: b.secondary_substation_id,
        nominalCapacityWh: Number(b.nominal_capacity_wh),
      })),
      communities: communities.map((c) => ({ id: c.id, name: c.name, feederId: c.feeder_id })),
    };
  }
}
