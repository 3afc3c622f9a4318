import type { Pool } from 'pg';
import type { Position, TopologyView } from '@gridwerk/udp/domain';

interface SitedRow {
  longitude: number | null;
  latitude: number | null;
  updated_at: Date;
}

const site = (r: SitedRow): { position: Position | null; positionAt: Date } => ({
  position: r.longitude !== null && r.latitude !== null ? [r.longitude, r.latitude] : null,
  positionAt: r.updated_at,
});

/**
 * Reads the topology tables (ingest's, shared schema) into the gateway's view: names, ratings, WGS 84
 * positions, the number of metering points per station and per community, and which other services'
 * tables (forecasts, battery telemetry, settlement) the database holds. Storage units' own grid meters
 * are not people and are not counted towards k.
 */
export async function readTopology(pool: Pool): Promise<TopologyView> {
  const [subs, feeders, stations, batteries, communities, tables, updated] = await Promise.all([
    pool.query<{ id: string; name: string; rated_mva: number | null } & SitedRow>(
      'SELECT id, name, rated_mva, longitude, latitude, updated_at FROM substation ORDER BY id',
    ),
    pool.query<{ id: string; substation_id: string; name: string } & SitedRow>(
      'SELECT id, substation_id, name, longitude, latitude, updated_at FROM feeder ORDER BY id',
    ),
    pool.query<{ id: string; feeder_id: string; name: string; rated_kva: number; meters: string } & SitedRow>(
      `SELECT s.id, s.feeder_id, s.name, s.rated_kva, s.longitude, s.latitude, s.updated_at, count(m.id) AS meters
         FROM secondary_substation s
         LEFT JOIN meter_point m ON m.secondary_substation_id = s.id AND m.customer_type <> 'storage'
        GROUP BY s.id ORDER BY s.id`,
    ),
    pool.query<{ id: string; secondary_substation_id: string; usable_capacity_wh: string | null } & SitedRow>(
      `SELECT id, secondary_substation_id, usable_capacity_wh, longitude, latitude, updated_at
         FROM battery_asset ORDER BY id`,
    ),
    pool.query<{ id: string; name: string; feeder_id: string | null; members: string }>(
      `SELECT c.id, c.name, c.feeder_id, count(m.id) AS members
         FROM community c LEFT JOIN meter_point m ON m.community_id = c.id
        GROUP BY c.id ORDER BY c.id`,
    ),
    pool.query<{ forecasts: boolean; settlement: boolean; telemetry: boolean }>(
      `SELECT to_regclass('forecast_value') IS NOT NULL AS forecasts,
              to_regclass('settlement_interval_version') IS NOT NULL AS settlement,
              to_regclass('battery_telemetry') IS NOT NULL AS telemetry`,
    ),
    pool.query<{ t: Date | null }>(
      `SELECT greatest((SELECT max(updated_at) FROM substation), (SELECT max(updated_at) FROM feeder),
                       (SELECT max(updated_at) FROM secondary_substation)) AS t`,
    ),
  ]);
  const sources = tables.rows[0];
  return {
    substations: subs.rows.map((s) => ({ id: s.id, name: s.name, ratedMva: s.rated_mva, ...site(s) })),
    feeders: feeders.rows.map((f) => ({ id: f.id, substationId: f.substation_id, name: f.name, ...site(f) })),
    secondarySubstations: stations.rows.map((s) => ({
      id: s.id,
      feederId: s.feeder_id,
      name: s.name,
      ratedKva: s.rated_kva,
      meteringPoints: Number(s.meters),
      ...site(s),
    })),
    batteries: batteries.rows.map((b) => ({
      id: b.id,
      secondarySubstationId: b.secondary_substation_id,
      usableCapacityWh: b.usable_capacity_wh === null ? null : Number(b.usable_capacity_wh),
      ...site(b),
    })),
    communities: communities.rows.map((c) => ({
      id: c.id,
      name: c.name,
      feederId: c.feeder_id,
      members: Number(c.members),
    })),
    sources: {
      forecasts: sources?.forecasts ?? false,
      settlement: sources?.settlement ?? false,
      batteryTelemetry: sources?.telemetry ?? false,
    },
    updatedAt: updated.rows[0]?.t ?? new Date(0),
  };
}
