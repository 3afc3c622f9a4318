import type { Pool } from 'pg';
import { withTransaction } from '@gridwerk/shared/data-access-database';

/**
 * The topology as plain JSON. Field names follow the simulator's GridTopology, so its output (or a GIS
 * export in the same shape) is written as is; `meterPoints` and `meteringPoints` are accepted alike.
 */
export interface TopologySnapshot {
  substations?: readonly ({ substationId: string; name: string; ratedMva?: number | null } & TopologySite)[];
  feeders?: readonly ({ feederId: string; substationId: string; name: string } & TopologySite)[];
  secondarySubstations?: readonly ({
    secondarySubstationId: string;
    feederId: string;
    name: string;
    ratedKva: number;
    /** Street address, e.g. 'Karl-Liebknecht-Straße 42' (optional). */
    street?: string | null;
  } & TopologySite)[];
  meterPoints?: readonly TopologyMeterPoint[];
  meteringPoints?: readonly TopologyMeterPoint[];
  batteries?: readonly ({
    assetId: string;
    secondarySubstationId: string;
    /** Metering point of the unit's grid connection; written as a meter point of type `storage`. */
    meterPointId?: string | null;
    nominalCapacityWh: number;
    usableCapacityWh?: number | null;
    maxChargeW?: number | null;
    maxDischargeW?: number | null;
  } & TopologySite)[];
  communities?: readonly { communityId: string; name: string; feederId?: string | null }[];
}

/** WGS 84 position of a site in degrees (optional: a GIS export may lack it). */
export interface TopologySite {
  longitude?: number | null;
  latitude?: number | null;
}

export interface TopologyMeterPoint {
  meterPointId: string;
  secondarySubstationId: string;
  customerType: string;
  profile: string;
  annualConsumptionWh: number;
  pvPeakW?: number | null;
  homeStorageWh?: number | null;
  communityId?: string | null;
}

export interface TopologyCounts {
  substations: number;
  feeders: number;
  secondarySubstations: number;
  communities: number;
  meterPoints: number;
  batteries: number;
}

/**
 * Upserts one table from column arrays: one statement per table whatever the size (unnest of array
 * parameters), ON CONFLICT (id) DO UPDATE so re-sending a topology is idempotent. Rows that did not change
 * are left alone (no dead tuples, updated_at keeps meaning "last changed").
 */
function upsertSql(table: string, columns: readonly [string, string][]): string {
  const names = columns.map(([n]) => n);
  const sets = names.filter((n) => n !== 'id');
  return `
    INSERT INTO ${table} AS t (${names.join(', ')})
    SELECT * FROM unnest(${columns.map(([, type], i) => `$${i + 1}::${type}[]`).join(', ')})
    ON CONFLICT (id) DO UPDATE SET ${sets.map((n) => `${n} = excluded.${n}`).join(', ')}, updated_at = now()
    WHERE (${sets.map((n) => `t.${n}`).join(', ')}) IS DISTINCT FROM (${sets.map((n) => `excluded.${n}`).join(', ')})`;
}

const SQL = {
  substation: upsertSql('substation', [
    ['id', 'text'],
    ['name', 'text'],
    ['rated_mva', 'real'],
    ['longitude', 'float8'],
    ['latitude', 'float8'],
  ]),
  feeder: upsertSql('feeder', [
    ['id', 'text'],
    ['substation_id', 'text'],
    ['name', 'text'],
    ['longitude', 'float8'],
    ['latitude', 'float8'],
  ]),
  secondarySubstation: upsertSql('secondary_substation', [
    ['id', 'text'],
    ['feeder_id', 'text'],
    ['name', 'text'],
    ['rated_kva', 'integer'],
    ['street', 'text'],
    ['longitude', 'float8'],
    ['latitude', 'float8'],
  ]),
  community: upsertSql('community', [
    ['id', 'text'],
    ['name', 'text'],
    ['feeder_id', 'text'],
  ]),
  meterPoint: upsertSql('meter_point', [
    ['id', 'text'],
    ['secondary_substation_id', 'text'],
    ['customer_type', 'text'],
    ['profile', 'text'],
    ['annual_consumption_wh', 'bigint'],
    ['pv_peak_w', 'integer'],
    ['home_storage_wh', 'bigint'],
    ['community_id', 'text'],
  ]),
  battery: upsertSql('battery_asset', [
    ['id', 'text'],
    ['secondary_substation_id', 'text'],
    ['nominal_capacity_wh', 'bigint'],
    ['usable_capacity_wh', 'bigint'],
    ['max_charge_w', 'integer'],
    ['max_discharge_w', 'integer'],
    ['longitude', 'float8'],
    ['latitude', 'float8'],
  ]),
};

/** Column-wise parameters: one array per column. */
function columns<T>(rows: readonly T[], ...pick: ((r: T) => unknown)[]): unknown[][] {
  return pick.map((f) => rows.map((r) => f(r) ?? null));
}

/**
 * Writes the topology tables. Additive: nodes missing from a snapshot are kept (raw readings and rollups
 * refer to them); decommissioning is a separate, explicit operation.
 */
export class TopologyRepository {
  constructor(private readonly pool: Pool) {}

  async upsertTopology(topology: TopologySnapshot): Promise<TopologyCounts> {
    const substations = topology.substations ?? [];
    const feeders = topology.feeders ?? [];
    const secondary = topology.secondarySubstations ?? [];
    const communities = topology.communities ?? [];
    const batteries = topology.batteries ?? [];
    const storageMeters = batteries.flatMap((b): TopologyMeterPoint[] =>
      b.meterPointId
        ? [
            {
              meterPointId: b.meterPointId,
              secondarySubstationId: b.secondarySubstationId,
              customerType: 'storage',
              profile: 'none',
              annualConsumptionWh: 0,
            },
          ]
        : [],
    );
    const meterPoints = [
      ...(topology.meterPoints ?? []),
      ...(topology.meteringPoints ?? []),
      ...storageMeters,
    ];

    await withTransaction(this.pool, async (client) => {
      // parents before children, so the foreign keys hold inside the transaction
      await client.query(
        SQL.substation,
        columns(
          substations,
          (s) => s.substationId,
          (s) => s.name,
          (s) => s.ratedMva,
          (s) => s.longitude,
          (s) => s.latitude,
        ),
      );
      await client.query(
        SQL.feeder,
        columns(
          feeders,
          (f) => f.feederId,
          (f) => f.substationId,
          (f) => f.name,
          (f) => f.longitude,
          (f) => f.latitude,
        ),
      );
      await client.query(
        SQL.secondarySubstation,
        columns(
          secondary,
          (s) => s.secondarySubstationId,
          (s) => s.feederId,
          (s) => s.name,
          (s) => s.ratedKva,
          (s) => s.street,
          (s) => s.longitude,
          (s) => s.latitude,
        ),
      );
      await client.query(
        SQL.community,
        columns(
          communities,
          (c) => c.communityId,
          (c) => c.name,
          (c) => c.feederId,
        ),
      );
      await client.query(
        SQL.meterPoint,
        columns(
          meterPoints,
          (m) => m.meterPointId,
          (m) => m.secondarySubstationId,
          (m) => m.customerType,
          (m) => m.profile,
          (m) => m.annualConsumptionWh,
          (m) => m.pvPeakW,
          (m) => m.homeStorageWh,
          (m) => m.communityId,
        ),
      );
      await client.query(
        SQL.battery,
        columns(
          batteries,
          (b) => b.assetId,
          (b) => b.secondarySubstationId,
          (b) => b.nominalCapacityWh,
          (b) => b.usableCapacityWh,
          (b) => b.maxChargeW,
          (b) => b.maxDischargeW,
          (b) => b.longitude,
          (b) => b.latitude,
        ),
      );
    });
    return {
      substations: substations.length,
      feeders: feeders.length,
      secondarySubstations: secondary.length,
      communities: communities.length,
      meterPoints: meterPoints.length,
      batteries: batteries.length,
    };
  }
}
