import { MigrationInterface, QueryRunner } from 'typeorm';
import {
  BUCKET_INTERVAL,
  BUCKET_WIDTHS,
  DELETE_ROLLUP_RANGE_SQL,
  REBUILD_ROLLUP_RANGE_SQL,
  ROLLUP_LEVELS,
  rollupRelation,
} from '../load-rollup.sql';
import { detectStorageMode } from '../storage-mode';
import { CAGG_REFRESH_SCHEDULE, CAGG_REFRESH_START_OFFSET } from '../storage-settings';
import type { BucketWidth } from '../types';

/** The level above each level and the topology table that maps a node to its parent. */
const PARENT_MAP = {
  feeder: { child: 'secondary_substation', table: 'secondary_substation', parentColumn: 'feeder_id' },
  substation: { child: 'feeder', table: 'feeder', parentColumn: 'substation_id' },
} as const;

/**
 * Load per secondary substation, feeder and substation at 15 minutes and 1 hour, exposed in both storage
 * modes as relations `load_<15m|1h>_<level>` with the columns
 * (node_id, bucket_start, import_wh, export_wh, net_wh, meters_reporting).
 */
export class IngestLoadRollups1730000000200 implements MigrationInterface {
  name = 'IngestLoadRollups1730000000200';

  async up(q: QueryRunner): Promise<void> {
    if ((await detectStorageMode(q)) === 'timescaledb') {
      await this.upTimescale(q);
    } else {
      await this.upNative(q);
    }
  }

  /**
   * Continuous aggregates, hierarchical so that each one needs at most one join with one plain table
   * (TimescaleDB 2.10-2.15 allow no more; hierarchical caggs with joins need >= 2.11) and no DISTINCT
   * aggregate: per meter first (meter_energy_15m, meter_energy_1h), so that count(*) one level up *is* the
   * number of distinct meters reporting; then each level sums the one below and counts add up, since every
   * meter belongs to exactly one secondary substation. Created WITH NO DATA (a cagg cannot be
   * materialised inside the migration's transaction); the policies fill them, and materialized_only = false
   * makes not-yet-materialised rows visible at once (real-time aggregation).
   */
  private async upTimescale(q: QueryRunner): Promise<void> {
    const cagg = `WITH (timescaledb.continuous, timescaledb.materialized_only = false)`;
    await q.query(`
      CREATE MATERIALIZED VIEW meter_energy_15m ${cagg} AS
      SELECT meter_point_id,
             time_bucket(INTERVAL '15 minutes', interval_start) AS bucket_start,
             sum(import_wh)::bigint AS import_wh,
             sum(export_wh)::bigint AS export_wh
        FROM meter_reading
       GROUP BY meter_point_id, time_bucket(INTERVAL '15 minutes', interval_start)
      WITH NO DATA`);
    await q.query(`
      CREATE MATERIALIZED VIEW meter_energy_1h ${cagg} AS
      SELECT meter_point_id,
             time_bucket(INTERVAL '1 hour', bucket_start) AS bucket_start,
             sum(import_wh)::bigint AS import_wh,
             sum(export_wh)::bigint AS export_wh
        FROM meter_energy_15m
       GROUP BY meter_point_id, time_bucket(INTERVAL '1 hour', bucket_start)
      WITH NO DATA`);
    const created: string[] = ['meter_energy_15m', 'meter_energy_1h'];

    for (const width of BUCKET_WIDTHS) {
      const bucket = `INTERVAL '${BUCKET_INTERVAL[width]}'`;
      const base = rollupRelation(width, 'secondary_substation');
      await q.query(`
        CREATE MATERIALIZED VIEW ${base} ${cagg} AS
        SELECT mp.secondary_substation_id AS node_id,
               time_bucket(${bucket}, e.bucket_start) AS bucket_start,
               sum(e.import_wh)::bigint AS import_wh,
               sum(e.export_wh)::bigint AS export_wh,
               (sum(e.import_wh) - sum(e.export_wh))::bigint AS net_wh,
               count(*)::integer AS meters_reporting
          FROM ${energyRelation(width)} e
          JOIN meter_point mp ON mp.id = e.meter_point_id
         GROUP BY mp.secondary_substation_id, time_bucket(${bucket}, e.bucket_start)
        WITH NO DATA`);
      created.push(base);
      for (const level of ['feeder', 'substation'] as const) {
        const p = PARENT_MAP[level];
        const rel = rollupRelation(width, level);
        await q.query(`
          CREATE MATERIALIZED VIEW ${rel} ${cagg} AS
          SELECT t.${p.parentColumn} AS node_id,
                 time_bucket(${bucket}, c.bucket_start) AS bucket_start,
                 sum(c.import_wh)::bigint AS import_wh,
                 sum(c.export_wh)::bigint AS export_wh,
                 (sum(c.import_wh) - sum(c.export_wh))::bigint AS net_wh,
                 sum(c.meters_reporting)::integer AS meters_reporting
            FROM ${rollupRelation(width, p.child)} c
            JOIN ${p.table} t ON t.id = c.node_id
           GROUP BY t.${p.parentColumn}, time_bucket(${bucket}, c.bucket_start)
          WITH NO DATA`);
        created.push(rel);
      }
    }

    // Each cagg gets TimescaleDB's default indexes on its GROUP BY columns + bucket (create_group_indexes),
    // which serve the (node_id, bucket_start range) queries of LoadQueries.
    for (const view of created) {
      const width: BucketWidth = view.includes('15m') ? '15m' : '1h';
      await q.query(
        `SELECT add_continuous_aggregate_policy('${view}',
           start_offset => INTERVAL '${CAGG_REFRESH_START_OFFSET}',
           end_offset => INTERVAL '${BUCKET_INTERVAL[width]}',
           schedule_interval => INTERVAL '${CAGG_REFRESH_SCHEDULE}')`,
      );
    }
  }

  /**
   * One table for all rollups and one view per (width, level) on it; net_wh is generated, so it can never
   * disagree. Maintained like TimescaleDB's continuous aggregates: the writer records the hours it touched
   * in rollup_invalidation (in the transaction of the raw insert), and refreshRollups() recomputes those
   * hours from the raw rows. Late data therefore updates its buckets on the next refresh.
   */
  private async upNative(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE rollup_load (
        level text NOT NULL CHECK (level IN ('secondary_substation', 'feeder', 'substation')),
        bucket_width text NOT NULL CHECK (bucket_width IN ('15m', '1h')),
        node_id text NOT NULL,
        bucket_start timestamptz NOT NULL,
        import_wh bigint NOT NULL,
        export_wh bigint NOT NULL,
        net_wh bigint GENERATED ALWAYS AS (import_wh - export_wh) STORED,
        meters_reporting integer NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (level, bucket_width, node_id, bucket_start)
      )`);
    await q.query('CREATE INDEX rollup_load_bucket_start_idx ON rollup_load (bucket_start)');
    await q.query(`
      CREATE TABLE rollup_invalidation (
        id bigserial PRIMARY KEY,
        hour_start timestamptz NOT NULL,
        invalidated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query('CREATE INDEX rollup_invalidation_hour_idx ON rollup_invalidation (hour_start)');
    for (const width of BUCKET_WIDTHS) {
      for (const level of ROLLUP_LEVELS) {
        await q.query(`
          CREATE VIEW ${rollupRelation(width, level)} AS
          SELECT node_id, bucket_start, import_wh, export_wh, net_wh, meters_reporting
            FROM rollup_load
           WHERE level = '${level}' AND bucket_width = '${width}'`);
      }
    }
    // Backfill from raw rows already present (none on a fresh database).
    await q.query(DELETE_ROLLUP_RANGE_SQL, ['-infinity', 'infinity']);
    await q.query(REBUILD_ROLLUP_RANGE_SQL, ['-infinity', 'infinity']);
  }

  async down(q: QueryRunner): Promise<void> {
    const mode = await detectStorageMode(q);
    const relations = BUCKET_WIDTHS.flatMap((w) =>
      [...ROLLUP_LEVELS].reverse().map((l) => rollupRelation(w, l)),
    );
    if (mode === 'timescaledb') {
      // the refresh policies first, so that none starts a refresh between the DROPs below
      for (const rel of [...relations, 'meter_energy_1h', 'meter_energy_15m'])
        await q.query(`SELECT remove_continuous_aggregate_policy('${rel}', if_exists => true)`);
      for (const rel of relations) await q.query(`DROP MATERIALIZED VIEW ${rel}`);
      await q.query('DROP MATERIALIZED VIEW meter_energy_1h');
      await q.query('DROP MATERIALIZED VIEW meter_energy_15m');
    } else {
      for (const rel of relations) await q.query(`DROP VIEW ${rel}`);
      await q.query('DROP TABLE rollup_invalidation');
      await q.query('DROP TABLE rollup_load');
    }
  }
}

function energyRelation(width: BucketWidth): string {
  return width === '15m' ? 'meter_energy_15m' : 'meter_energy_1h';
}
