import { MigrationInterface, QueryRunner } from 'typeorm';
import { detectStorageMode } from '../storage-mode';
import {
  PARTITIONS_AHEAD_DAYS,
  PARTITIONS_BACK_DAYS,
  RAW_RETENTION_DAYS,
  READING_CHUNK_INTERVAL,
} from '../storage-settings';

/**
 * Every version of a meter reading, with its event id, quality and arrival. `meter_reading` stays the
 * table of current values (what rollups, forecasts and the API read); `meter_reading_version` keeps the
 * history, so that a correction (§55 MsbG: substitute values first, true values later) is stored, never
 * dropped. `seq` orders versions by arrival (a sequence, not a timestamp: two versions in one batch
 * differ too).
 */
const VERSION_COLUMNS = `
  meter_point_id text NOT NULL,
  interval_start timestamptz NOT NULL,
  interval_end timestamptz NOT NULL,
  resolution text NOT NULL,
  import_wh bigint NOT NULL CHECK (import_wh >= 0),
  export_wh bigint NOT NULL CHECK (export_wh >= 0),
  register_import_wh bigint NOT NULL,
  register_export_wh bigint NOT NULL,
  quality text NOT NULL CHECK (quality IN ('measured', 'estimated', 'substituted')),
  event_id text NOT NULL,
  ingested_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  seq bigint NOT NULL DEFAULT nextval('meter_reading_version_seq'),
  PRIMARY KEY (meter_point_id, interval_start, event_id)`;

/**
 * The documented precedence of qualities: measured over substituted over estimated. Among equal quality
 * the latest version (highest seq) is current.
 */
const QUALITY_RANK_FN = `
CREATE FUNCTION ingest_quality_rank(p_quality text) RETURNS integer LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fn$
  SELECT CASE p_quality WHEN 'measured' THEN 3 WHEN 'substituted' THEN 2 WHEN 'estimated' THEN 1 ELSE 0 END
$fn$`;

/** Every version with its number per (meter, interval) and whether it is the current value. */
export const HISTORY_VIEW = `
CREATE VIEW meter_reading_history AS
SELECT v.meter_point_id, v.interval_start, v.interval_end, v.resolution, v.import_wh, v.export_wh,
       v.register_import_wh, v.register_export_wh, v.quality, v.event_id, v.ingested_at, v.seq,
       row_number() OVER (PARTITION BY v.meter_point_id, v.interval_start ORDER BY v.seq)::integer AS version,
       (m.event_id IS NOT DISTINCT FROM v.event_id) AS is_current
  FROM meter_reading_version v
  LEFT JOIN meter_reading m ON m.meter_point_id = v.meter_point_id AND m.interval_start = v.interval_start`;

/** Corrections: every version after the first of its (meter, interval). */
export const CORRECTION_VIEW = `
CREATE VIEW meter_reading_correction AS
SELECT * FROM meter_reading_history WHERE version > 1`;

const ENSURE_PARTITIONS_NATIVE_V2 = `
CREATE OR REPLACE FUNCTION ensure_partitions(p_from timestamptz, p_to timestamptz) RETURNS integer LANGUAGE sql AS $fn$
  SELECT ingest_ensure_range_partitions('meter_reading', 'day', p_from, p_to)
       + ingest_ensure_range_partitions('meter_reading_version', 'day', p_from, p_to)
       + ingest_ensure_range_partitions('battery_telemetry', 'week', p_from, p_to)
$fn$`;

const ENSURE_PARTITIONS_NATIVE_V1 = `
CREATE OR REPLACE FUNCTION ensure_partitions(p_from timestamptz, p_to timestamptz) RETURNS integer LANGUAGE sql AS $fn$
  SELECT ingest_ensure_range_partitions('meter_reading', 'day', p_from, p_to)
       + ingest_ensure_range_partitions('battery_telemetry', 'week', p_from, p_to)
$fn$`;

// Readings stored before this migration become their first version, in arrival order.
const BACKFILL = `
INSERT INTO meter_reading_version (meter_point_id, interval_start, interval_end, resolution, import_wh, export_wh,
                                   register_import_wh, register_export_wh, quality, event_id, ingested_at)
SELECT meter_point_id, interval_start, interval_end, resolution, import_wh, export_wh,
       register_import_wh, register_export_wh, quality, event_id, ingested_at
  FROM meter_reading ORDER BY ingested_at, meter_point_id, interval_start`;

export class IngestReadingVersions1730000000300 implements MigrationInterface {
  name = 'IngestReadingVersions1730000000300';

  async up(q: QueryRunner): Promise<void> {
    const mode = await detectStorageMode(q);
    await q.query('CREATE SEQUENCE meter_reading_version_seq AS bigint');
    if (mode === 'timescaledb') {
      await q.query(`CREATE TABLE meter_reading_version (${VERSION_COLUMNS})`);
      await q.query(
        `SELECT create_hypertable('meter_reading_version', 'interval_start', chunk_time_interval => INTERVAL '${READING_CHUNK_INTERVAL}')`,
      );
      await q.query(
        `SELECT add_retention_policy('meter_reading_version', INTERVAL '${RAW_RETENTION_DAYS} days')`,
      );
    } else {
      await q.query(
        `CREATE TABLE meter_reading_version (${VERSION_COLUMNS}) PARTITION BY RANGE (interval_start)`,
      );
      await q.query('CREATE TABLE meter_reading_version_default PARTITION OF meter_reading_version DEFAULT');
      await q.query(
        'CREATE INDEX meter_reading_version_default_start_idx ON meter_reading_version_default (interval_start)',
      );
      await q.query(ENSURE_PARTITIONS_NATIVE_V2);
      // the same days as meter_reading: the migration's window plus every day that already has a partition
      await q.query(
        `SELECT ingest_ensure_range_partitions('meter_reading_version', 'day', lo, hi)
           FROM (SELECT least(min(interval_start), now() - make_interval(days => $1::int)) AS lo,
                        now() + make_interval(days => $2::int) AS hi
                   FROM meter_reading WHERE interval_start > now() - make_interval(days => $3::int)) w`,
        [PARTITIONS_BACK_DAYS, PARTITIONS_AHEAD_DAYS, RAW_RETENTION_DAYS],
      );
    }
    await q.query(QUALITY_RANK_FN);
    await q.query(BACKFILL);
    await q.query(HISTORY_VIEW);
    await q.query(CORRECTION_VIEW);
  }

  async down(q: QueryRunner): Promise<void> {
    const mode = await detectStorageMode(q);
    await q.query('DROP VIEW meter_reading_correction');
    await q.query('DROP VIEW meter_reading_history');
    await q.query('DROP FUNCTION ingest_quality_rank(text)');
    if (mode === 'native-partitioning') await q.query(ENSURE_PARTITIONS_NATIVE_V1);
    await q.query('DROP TABLE meter_reading_version');
    await q.query('DROP SEQUENCE meter_reading_version_seq');
  }
}
