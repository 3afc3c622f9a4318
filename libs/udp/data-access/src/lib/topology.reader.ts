import type { Pool } from 'pg';
import type { TopologyView } from '@gridwerk/udp/domain';

/**
 * Reads the topology tables (ingest's, shared schema) into the gateway's view: names, ratings and the
 * number of metering points per station. Storage units' own grid meters are not people and are not
 * counted towards k.
 */
export async function readTopology(pool: Pool): Promise<TopologyView> {
  const [subs, feeders, stations, updated] = await Promise.all([
    pool.query<{ id: string; name: string }>('SELECT id, name FROM substation ORDER BY id'),
    pool.query<{ id: string; substation_id: string; name: string }>(
      'SELECT id, substation_id, name FROM feeder ORDER BY id',
    ),
    pool.query<{ id: string; feeder_id: string; name: string; rated_kva: number; meters: string }>(
      `SELECT s.id, s.feeder_id, s.name, s.rated_kva, count(m.id) AS meters
         FROM secondary_substation s
         LEFT JOIN meter_point m ON m.secondary_substation_id = s.id AND m.customer_type <> 'storage'
        GROUP BY s.id ORDER BY s.id`,
    ),
    pool.query<{ t: Date | null }>(
      `SELECT greatest((SELECT max(updated_at) FROM substation), (SELECT max(updated_at) FROM feeder),
                       (SELECT max(updated_at) FROM secondary_substation)) AS t`,
    ),
  ]);
  return {
    substations: subs.rows,
    feeders: feeders.rows.map((f) => ({ id: f.id, substationId: f.substation_id, name: f.name })),
    secondarySubstations: stations.rows.map((s) => ({
      id: s.id,
      feederId: s.feeder_id,
      name: s.name,
      ratedKva: s.rated_kva,
      meteringPoints: Number(s.meters),
    })),
    updatedAt: updated.rows[0]?.t ?? new Date(0),
  };
}
