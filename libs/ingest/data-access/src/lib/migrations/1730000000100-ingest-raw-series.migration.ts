import { MigrationInterface, QueryRunner } from 'typeorm';
import {
  assertSupportedTimescaleVersion,
  decideStorageMode,
  detectStorageMode,
  installedTimescaleVersion,
} from '../storage-mode';
import {
  COMPRESS_AFTER_DAYS,
  MIN_TIMESCALEDB_VERSION,
  PARTITIONS_AHEAD_DAYS,
  PARTITIONS_BACK_DAYS,
  RAW_RETENTION_DAYS,
  READING_CHUNK_INTERVAL,
  TELEMETRY_CHUNK_INTERVAL,
} from '../storage-settings';

// No foreign key from the raw series to meter_point / battery_asset: readings may arrive before the
// topology that names their meter (new installations, GIS export lagging), and a replay must never be
// rejected for that. Such readings are kept raw and join the rollups once the topology knows the meter
// (rebuildLoadRollups). The key (id, time) makes a replay store nothing twice.
const METER_READING_COLUMNS = `
  meter_point_id text NOT NULL,
  interval_start timestamptz NOT NULL,
  interval_end timestamptz NOT NULL,
  resolution text NOT NULL CHECK (resolution IN ('PT15M', 'PT1M')),
  import_wh bigint NOT NULL CHECK (import_wh >= 0),
  export_wh bigint NOT NULL CHECK (export_wh >= 0),
  register_import_wh bigint NOT NULL,
  register_export_wh bigint NOT NULL,
  quality text NOT NULL CHECK (quality IN ('measured', 'estimated', 'substituted')),
  event_id text NOT NULL,
  ingested_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT meter_reading_interval_check CHECK (interval_end > interval_start),
  PRIMARY KEY (meter_point_id, interval_start)`;

const BATTERY_TELEMETRY_COLUMNS = `
  asset_id text NOT NULL,
  time timestamptz NOT NULL,
  soc_pct real NOT NULL,
  power_w integer NOT NULL,
  usable_capacity_wh bigint NOT NULL CHECK (usable_capacity_wh >= 0),
  soh_pct real NOT NULL,
  temperature_c real NOT NULL,
  mode text NOT NULL,
  event_id text NOT NULL,
  ingested_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (asset_id, time)`;

/**
 * Native partitioning: creates the missing range partitions of `parent` covering [p_from, p_to], one per
 * `p_step` ('day' | 'week'), aligned in UTC. Cheap when they exist (one catalog lookup per step, no lock).
 * Rows that already sit in the DEFAULT partition for a new range are moved into it, so creating a
 * partition late never fails. Serialised per parent by an advisory lock, so concurrent callers are safe.
 */
const ENSURE_RANGE_PARTITIONS_FN = `
CREATE FUNCTION ingest_ensure_range_partitions(p_parent text, p_step text, p_from timestamptz, p_to timestamptz)
RETURNS integer LANGUAGE plpgsql AS $fn$
DECLARE
  v_schema text;
  v_col text;
  v_default text := p_parent || '_default';
  v_step interval := ('1 ' || p_step)::interval;
  v_lo timestamp;
  v_name text;
  v_lo_tz timestamptz;
  v_hi_tz timestamptz;
  v_has_rows boolean;
  v_locked boolean := false;
  v_created integer := 0;
BEGIN
  IF p_step NOT IN ('day', 'week') THEN
    RAISE EXCEPTION 'ingest_ensure_range_partitions: step must be day or week, got %', p_step;
  END IF;
  SELECT n.nspname, a.attname INTO v_schema, v_col
    FROM pg_partitioned_table pt
    JOIN pg_class c ON c.oid = pt.partrelid
    JOIN pg_namespace n ON n.oid = c.relnamespace
    JOIN pg_attribute a ON a.attrelid = pt.partrelid AND a.attnum = pt.partattrs[0]
   WHERE pt.partrelid = p_parent::regclass;
  -- timestamp (without time zone) arithmetic in UTC: '1 day' is 24 h whatever the session TimeZone says.
  v_lo := date_trunc(p_step, p_from AT TIME ZONE 'UTC');
  WHILE v_lo <= (p_to AT TIME ZONE 'UTC') LOOP
    v_name := p_parent || '_p' || to_char(v_lo, 'YYYYMMDD');
    IF to_regclass(format('%I.%I', v_schema, v_name)) IS NULL THEN
      IF NOT v_locked THEN
        PERFORM pg_advisory_xact_lock(hashtext('ingest_ensure_range_partitions'), hashtext(p_parent));
        v_locked := true;
      END IF;
      -- re-check under the lock: a concurrent caller may have created it meanwhile
      IF to_regclass(format('%I.%I', v_schema, v_name)) IS NULL THEN
        v_lo_tz := v_lo AT TIME ZONE 'UTC';
        v_hi_tz := (v_lo + v_step) AT TIME ZONE 'UTC';
        EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I.%I WHERE %I >= $1 AND %I < $2)', v_schema, v_default, v_col, v_col)
          INTO v_has_rows USING v_lo_tz, v_hi_tz;
        IF v_has_rows THEN
          EXECUTE format('CREATE TABLE %I.%I (LIKE %I.%I INCLUDING DEFAULTS INCLUDING CONSTRAINTS)', v_schema, v_name, v_schema, p_parent);
          EXECUTE format('WITH moved AS (DELETE FROM %I.%I WHERE %I >= $1 AND %I < $2 RETURNING *) INSERT INTO %I.%I SELECT * FROM moved',
                         v_schema, v_default, v_col, v_col, v_schema, v_name) USING v_lo_tz, v_hi_tz;
          EXECUTE format('ALTER TABLE %I.%I ATTACH PARTITION %I.%I FOR VALUES FROM (%L) TO (%L)', v_schema, p_parent, v_schema, v_name, v_lo_tz, v_hi_tz);
        ELSE
          EXECUTE format('CREATE TABLE %I.%I PARTITION OF %I.%I FOR VALUES FROM (%L) TO (%L)', v_schema, v_name, v_schema, p_parent, v_lo_tz, v_hi_tz);
        END IF;
        v_created := v_created + 1;
      END IF;
    END IF;
    v_lo := v_lo + v_step;
  END LOOP;
  RETURN v_created;
END
$fn$`;

const ENSURE_PARTITIONS_NATIVE_FN = `
CREATE FUNCTION ensure_partitions(p_from timestamptz, p_to timestamptz) RETURNS integer LANGUAGE sql AS $fn$
  SELECT ingest_ensure_range_partitions('meter_reading', 'day', p_from, p_to)
       + ingest_ensure_range_partitions('battery_telemetry', 'week', p_from, p_to)
$fn$`;

// TimescaleDB creates chunks on insert; the function exists in both modes so callers need not care.
const ENSURE_PARTITIONS_TIMESCALE_FN = `
CREATE FUNCTION ensure_partitions(p_from timestamptz, p_to timestamptz) RETURNS integer LANGUAGE sql AS $fn$
  SELECT 0
$fn$`;

/** Raw series (meter readings, battery telemetry) as hypertables or natively partitioned tables. */
export class IngestRawSeries1730000000100 implements MigrationInterface {
  name = 'IngestRawSeries1730000000100';

  async up(q: QueryRunner): Promise<void> {
    const decision = await decideStorageMode(q);
    await q.query('CREATE TABLE ingest_schema_info (key text PRIMARY KEY, value text NOT NULL)');
    await q.query('INSERT INTO ingest_schema_info (key, value) VALUES ($1, $2), ($3, $4), ($5, $6)', [
      'storage_mode',
      decision.mode,
      'storage_mode_reason',
      decision.reason,
      'raw_retention_days',
      String(RAW_RETENTION_DAYS),
    ]);
    if (decision.mode === 'timescaledb') {
      await this.upTimescale(q);
    } else {
      await this.upNative(q);
    }
  }

  private async upTimescale(q: QueryRunner): Promise<void> {
    await q.query('CREATE EXTENSION IF NOT EXISTS timescaledb');
    assertSupportedTimescaleVersion((await installedTimescaleVersion(q)) ?? '0', MIN_TIMESCALEDB_VERSION);

    await q.query(`CREATE TABLE meter_reading (${METER_READING_COLUMNS})`);
    await q.query(
      `SELECT create_hypertable('meter_reading', 'interval_start', chunk_time_interval => INTERVAL '${READING_CHUNK_INTERVAL}')`,
    );
    await q.query(`ALTER TABLE meter_reading SET (
      timescaledb.compress,
      timescaledb.compress_segmentby = 'meter_point_id',
      timescaledb.compress_orderby = 'interval_start DESC')`);
    await q.query(`SELECT add_compression_policy('meter_reading', INTERVAL '${COMPRESS_AFTER_DAYS} days')`);
    await q.query(`SELECT add_retention_policy('meter_reading', INTERVAL '${RAW_RETENTION_DAYS} days')`);

    await q.query(`CREATE TABLE battery_telemetry (${BATTERY_TELEMETRY_COLUMNS})`);
    await q.query(
      `SELECT create_hypertable('battery_telemetry', 'time', chunk_time_interval => INTERVAL '${TELEMETRY_CHUNK_INTERVAL}')`,
    );
    await q.query(`ALTER TABLE battery_telemetry SET (
      timescaledb.compress,
      timescaledb.compress_segmentby = 'asset_id',
      timescaledb.compress_orderby = 'time DESC')`);
    await q.query(
      `SELECT add_compression_policy('battery_telemetry', INTERVAL '${COMPRESS_AFTER_DAYS} days')`,
    );
    await q.query(`SELECT add_retention_policy('battery_telemetry', INTERVAL '${RAW_RETENTION_DAYS} days')`);

    await q.query(ENSURE_PARTITIONS_TIMESCALE_FN);
  }

  private async upNative(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE TABLE meter_reading (${METER_READING_COLUMNS}) PARTITION BY RANGE (interval_start)`,
    );
    // The DEFAULT partition takes what no daily partition covers (far past, far future), so no reading is
    // ever rejected; its time index keeps the "rows to move?" probe of ingest_ensure_range_partitions cheap.
    await q.query('CREATE TABLE meter_reading_default PARTITION OF meter_reading DEFAULT');
    await q.query('CREATE INDEX meter_reading_default_start_idx ON meter_reading_default (interval_start)');

    await q.query(`CREATE TABLE battery_telemetry (${BATTERY_TELEMETRY_COLUMNS}) PARTITION BY RANGE (time)`);
    await q.query('CREATE TABLE battery_telemetry_default PARTITION OF battery_telemetry DEFAULT');
    await q.query('CREATE INDEX battery_telemetry_default_time_idx ON battery_telemetry_default (time)');

    await q.query(ENSURE_RANGE_PARTITIONS_FN);
    await q.query(ENSURE_PARTITIONS_NATIVE_FN);
    await q.query(
      `SELECT ensure_partitions(now() - make_interval(days => $1::int), now() + make_interval(days => $2::int))`,
      [PARTITIONS_BACK_DAYS, PARTITIONS_AHEAD_DAYS],
    );
  }

  async down(q: QueryRunner): Promise<void> {
    const mode = await detectStorageMode(q);
    await q.query('DROP FUNCTION ensure_partitions(timestamptz, timestamptz)');
    if (mode === 'native-partitioning') {
      await q.query('DROP FUNCTION ingest_ensure_range_partitions(text, text, timestamptz, timestamptz)');
    }
    // Dropping a hypertable removes its chunks and its policies; the extension stays (other owners may use it).
    await q.query('DROP TABLE battery_telemetry');
    await q.query('DROP TABLE meter_reading');
    await q.query('DROP TABLE ingest_schema_info');
  }
}
