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
  /**
   * A digest of everything `load` returns, computed in the database: re-reading a city's 350,000 meters into
   * the service to find that nothing changed costs seconds and hundreds of MiB of garbage; this costs one
   * scan of the meter ids (an order-independent hash sum: a reassigned meter changes it).
   */
  async signature(db: Queryable): Promise<string> {
    const r = await rows<{ sig: string }>(
      db,
      `SELECT md5(concat_ws('|',
         (SELECT string_agg(id || ':' || name || ':' || coalesce(rated_mva::text, ''), ',' ORDER BY id) FROM substation),
         (SELECT string_agg(id || ':' || substation_id || ':' || name, ',' ORDER BY id) FROM feeder),
         (SELECT string_agg(id || ':' || feeder_id || ':' || rated_kva || ':' || name || ':' || coalesce(street, ''), ',' ORDER BY id)
            FROM secondary_substation),
         (SELECT count(*) || ':' || coalesce(sum(hashtext(id || '>' || secondary_substation_id)::bigint), 0) FROM meter_point),
         (SELECT string_agg(id || ':' || secondary_substation_id || ':' || nominal_capacity_wh, ',' ORDER BY id) FROM battery_asset),
         (SELECT string_agg(id || ':' || name || ':' || coalesce(feeder_id, ''), ',' ORDER BY id) FROM community)
       )) AS sig`,
    );
    return r[0]?.sig ?? '';
  }

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
