import { MigrationInterface, QueryRunner } from 'typeorm';
import type { RollupLevel } from '../types';

/** The relation of the 15-minute load of a level without its storage units (see the migration). */
export function uncontrolledLoadRelation(level: RollupLevel): string {
  return `uncontrolled_load_15m_${level}`;
}

/**
 * The storage meters under a node of each level: the topology join from a storage meter point
 * (customer_type 'storage', the grid connection of a battery) to the node the view row belongs to (`l`).
 */
const STORAGE_UNDER: Record<RollupLevel, string> = {
  secondary_substation: `
      FROM meter_point mp
     WHERE mp.customer_type = 'storage' AND mp.secondary_substation_id = l.node_id`,
  feeder: `
      FROM meter_point mp
      JOIN secondary_substation ss ON ss.id = mp.secondary_substation_id
     WHERE mp.customer_type = 'storage' AND ss.feeder_id = l.node_id`,
  substation: `
      FROM meter_point mp
      JOIN secondary_substation ss ON ss.id = mp.secondary_substation_id
      JOIN feeder f ON f.id = ss.feeder_id
     WHERE mp.customer_type = 'storage' AND f.substation_id = l.node_id`,
};

/**
 * The load a node's transformer would carry without its storage units, per quarter hour, as the relations
 * `uncontrolled_load_15m_<secondary_substation|feeder|substation>` with the columns
 * (node_id, bucket_start, net_wh, measured_net_wh, storage_net_wh, meters_reporting):
 * - measured_net_wh: the rollup's net (load_15m_<level>), which includes the storage meters of the
 *   batteries behind the node (a battery discharging lowers it, charging raises it);
 * - storage_net_wh: the net of those storage meters (import − export) in the quarter hour, 0 without any;
 * - net_wh = measured_net_wh − storage_net_wh: the uncontrolled load. Forecasts that steer batteries and
 *   raise predicted-overload alarms must forecast this, not the measured flow: a history whose peaks a
 *   battery clipped teaches a model the battery's past behaviour, not the load it must plan against.
 *
 * Plain views over the rollups, in both storage modes (continuous aggregates or rollup_load alike): a
 * reader's range on bucket_start goes to the rollup, and each bucket's storage readings are an index
 * range of meter_reading's primary key (meter_point_id, interval_start) per storage meter, so the cost
 * follows the rows read and the number of batteries, not the number of meters.
 */
export class IngestUncontrolledLoad1767204500000 implements MigrationInterface {
  name = 'IngestUncontrolledLoad1767204500000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      "CREATE INDEX meter_point_storage_idx ON meter_point (secondary_substation_id) WHERE customer_type = 'storage'",
    );
    for (const level of Object.keys(STORAGE_UNDER) as RollupLevel[]) {
      await q.query(`
        CREATE VIEW ${uncontrolledLoadRelation(level)} AS
        SELECT l.node_id, l.bucket_start,
               (l.net_wh - coalesce(s.storage_net_wh, 0))::bigint AS net_wh,
               l.net_wh AS measured_net_wh,
               coalesce(s.storage_net_wh, 0)::bigint AS storage_net_wh,
               l.meters_reporting
          FROM load_15m_${level} l
          LEFT JOIN LATERAL (
            SELECT sum(r.import_wh - r.export_wh) AS storage_net_wh
              FROM meter_reading r
             WHERE r.meter_point_id IN (SELECT mp.id ${STORAGE_UNDER[level].trim()})
               AND r.interval_start >= l.bucket_start
               AND r.interval_start < l.bucket_start + INTERVAL '15 minutes'
          ) s ON true`);
    }
  }

  async down(q: QueryRunner): Promise<void> {
    for (const level of Object.keys(STORAGE_UNDER) as RollupLevel[])
      await q.query(`DROP VIEW IF EXISTS ${uncontrolledLoadRelation(level)}`);
    await q.query('DROP INDEX IF EXISTS meter_point_storage_idx');
  }
}
