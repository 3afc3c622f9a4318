import { MigrationInterface, QueryRunner } from 'typeorm';
import { detectStorageMode } from '../storage-mode';
import {
  COMPRESS_AFTER_DAYS,
  COMPRESSED_CHUNK_INTERVAL,
  RECOMPRESS_BELOW_ROWS_PER_BATCH,
  RECOMPRESS_JOB_SCHEDULE,
  RECOMPRESS_JOB_START_UTC,
} from '../storage-settings';

/**
 * The recompression of completed weeks. A compressed chunk of `meter_reading` / `meter_reading_version`
 * is a candidate when it is complete, i.e. no more daily chunks will be merged into it: it spans the full
 * merge width (`COMPRESSED_CHUNK_INTERVAL`), or it ended a merge width before the compression delay (the
 * day after it was compressed long ago, into another chunk); and when TimescaleDB's catalog says its
 * batches hold fewer than `min_rows_per_batch` rows on average (for a full week; scaled to the chunk's
 * width). A candidate's batches are then counted exactly, and it is recompressed when it has at least 1.5
 * times the batches its segments need. Either way the chunk is recorded in `ingest_recompressed_chunk` with
 * its compressed chunk and skipped from then on while that is the same (2.28's in-place recompression does
 * not update the catalog's row counts), so the job is idempotent and a quiet run reads only the catalog.
 *
 * How, chosen at run time from the installed version: from 2.28 `compress_chunk(chunk, recompress => true)`
 * rewrites the batches in place; before (2.23.1 measured) that call changes nothing, so the chunk is
 * decompressed and compressed again, which needs the chunk's uncompressed size on disk for the transaction.
 * That path holds an ACCESS EXCLUSIVE lock on the chunk until its commit (reads and writes of that week
 * wait; measured on 2.23.1), hence the run at night and config `allow_decompress` to turn it off.
 * Both run in one transaction per chunk (COMMIT after each): an interrupted run leaves every chunk either
 * as it was or recompressed, never a row lost or doubled. Rows inserted late into the chunk (its
 * uncompressed part) are compressed with it.
 */
/** TimescaleDB's compressed batch size (rows), fixed in its code. */
const MAX_ROWS_PER_BATCH = 1000;

/**
 * The job's procedure over the given hypertables. This migration created it over the raw tables of its day
 * (`meter_reading`, `meter_reading_version`); 1730000000700 replaces it when the history table is renamed.
 */
export function recompressProcedureSql(
  hypertables: readonly string[] = ['meter_reading', 'meter_reading_version'],
  replace = false,
): string {
  const tables = hypertables.map((t) => `'${t}'`).join(', ');
  return `
CREATE ${replace ? 'OR REPLACE ' : ''}PROCEDURE ingest_recompress_weeks(job_id integer DEFAULT NULL, config jsonb DEFAULT NULL)
LANGUAGE plpgsql AS $proc$
DECLARE
  v_min numeric := coalesce((config->>'min_rows_per_batch')::numeric, ${RECOMPRESS_BELOW_ROWS_PER_BATCH});
  v_version text;
  v_in_place boolean;
  -- before 2.28 the only way holds an ACCESS EXCLUSIVE lock on the chunk for the transaction: an operator
  -- can turn that path off (alter_job config) without a migration
  v_allow_decompress boolean := coalesce((config->>'allow_decompress')::boolean, true);
  v_todo text[] := '{}';
  v_info text[] := '{}';
  v_batches bigint;
  v_rows bigint;
  v_ideal bigint;
  v_before bigint[] := '{}';
  v_compressed text;
  v_t0 timestamptz;
  v_done int := 0;
  r record;
BEGIN
  SELECT extversion INTO v_version FROM pg_extension WHERE extname = 'timescaledb';
  v_in_place := string_to_array(substring(v_version FROM '^[0-9]+\\.[0-9]+'), '.')::int[] >= ARRAY[2, 28];
  -- candidates from the catalog (rows and batches as of the last compression or merge, no scan): complete
  -- chunks whose batches average fewer rows than min_rows_per_batch for a week, scaled to the chunk's width
  -- (a daily chunk that was never merged holds a day per batch, as good as it gets)
  FOR r IN
    SELECT format('%I.%I', c.chunk_schema, c.chunk_name) AS chunk, c.hypertable_name AS ht,
           c.range_start, c.range_end, format('%I.%I', cc.schema_name, cc.table_name) AS compressed
      FROM timescaledb_information.chunks c
      JOIN _timescaledb_catalog.chunk ch ON ch.schema_name = c.chunk_schema AND ch.table_name = c.chunk_name
      JOIN _timescaledb_catalog.chunk cc ON cc.id = ch.compressed_chunk_id
      JOIN _timescaledb_catalog.compression_chunk_size s ON s.chunk_id = ch.id
     WHERE c.hypertable_schema = current_schema() AND c.hypertable_name IN (${tables})
       AND c.is_compressed
       AND c.range_end <= now() - INTERVAL '${COMPRESS_AFTER_DAYS} days'
       AND (c.range_end - c.range_start >= INTERVAL '${COMPRESSED_CHUNK_INTERVAL}'
            OR c.range_end <= now() - INTERVAL '${COMPRESS_AFTER_DAYS} days' - INTERVAL '${COMPRESSED_CHUNK_INTERVAL}')
       AND s.numrows_post_compression > 0
       -- checked (and recompressed if needed) by an earlier run, and not rewritten since: 2.28's in-place
       -- recompression leaves the catalog's numbers as they were, so they alone would pick it every day
       AND NOT EXISTS (SELECT 1 FROM ingest_recompressed_chunk k
                        WHERE k.chunk = format('%I.%I', c.chunk_schema, c.chunk_name)
                          AND k.compressed_chunk = format('%I.%I', cc.schema_name, cc.table_name))
       AND s.numrows_pre_compression::numeric / s.numrows_post_compression
           < v_min * extract(epoch FROM c.range_end - c.range_start) / extract(epoch FROM INTERVAL '${COMPRESSED_CHUNK_INTERVAL}')
     ORDER BY c.hypertable_name, c.range_start
  LOOP
    -- exact, on the candidate only (which is rewritten anyway): its batches against the fewest its segments
    -- need (a segment's rows in batches of at most ${MAX_ROWS_PER_BATCH}). A chunk already recompressed has
    -- no more batches than that, whatever its rows per batch (meters reporting part of the week), so a
    -- second run leaves it alone.
    EXECUTE format('SELECT coalesce(sum(b), 0), coalesce(sum(n), 0), coalesce(sum(ceil(n / ${MAX_ROWS_PER_BATCH}.0)), 0)
                      FROM (SELECT count(*) AS b, sum(_ts_meta_count) AS n FROM %s GROUP BY meter_point_id) seg',
                   r.compressed) INTO v_batches, v_rows, v_ideal;
    IF v_batches > 0 AND v_batches >= 1.5 * v_ideal THEN
      v_todo := v_todo || r.chunk;
      v_before := v_before || v_batches;
      v_info := v_info || format('%s %s [%s, %s) (had %s batches of %s rows on average, %s needed)', r.ht,
                                 r.chunk, r.range_start, r.range_end, v_batches,
                                 round(v_rows::numeric / v_batches, 1), v_ideal);
    ELSE
      INSERT INTO ingest_recompressed_chunk (chunk, compressed_chunk, batches_before, batches_after, recompressed)
      VALUES (r.chunk, r.compressed, v_batches, v_batches, false)
      ON CONFLICT (chunk) DO UPDATE SET compressed_chunk = EXCLUDED.compressed_chunk,
        batches_before = EXCLUDED.batches_before, batches_after = EXCLUDED.batches_after,
        recompressed = false, checked_at = now();
    END IF;
  END LOOP;
  -- forget chunks dropped since (retention)
  DELETE FROM ingest_recompressed_chunk k WHERE to_regclass(k.chunk) IS NULL;
  IF NOT v_in_place AND NOT v_allow_decompress THEN
    RAISE LOG 'ingest_recompress_weeks: % chunk(s) would be recompressed, but TimescaleDB % can only decompress + compress and config allow_decompress is false',
      cardinality(v_todo), v_version;
    RETURN;
  END IF;
  RAISE LOG 'ingest_recompress_weeks: % chunk(s) to recompress (TimescaleDB %, %)', cardinality(v_todo),
    v_version, CASE WHEN v_in_place THEN 'compress_chunk(recompress => true)' ELSE 'decompress_chunk + compress_chunk' END;
  COMMIT;
  FOR i IN 1 .. cardinality(v_todo) LOOP
    v_t0 := clock_timestamp();
    -- dropped meanwhile (retention): nothing to do
    CONTINUE WHEN to_regclass(v_todo[i]) IS NULL;
    IF v_in_place THEN
      PERFORM compress_chunk(v_todo[i]::regclass, recompress => true);
    ELSE
      PERFORM decompress_chunk(v_todo[i]::regclass, if_compressed => true);
      PERFORM compress_chunk(v_todo[i]::regclass, if_not_compressed => true);
    END IF;
    SELECT format('%I.%I', cc.schema_name, cc.table_name) INTO v_compressed
      FROM _timescaledb_catalog.chunk ch JOIN _timescaledb_catalog.chunk cc ON cc.id = ch.compressed_chunk_id
     WHERE format('%I.%I', ch.schema_name, ch.table_name) = v_todo[i];
    IF v_compressed IS NOT NULL THEN
      EXECUTE format('SELECT count(*) FROM %s', v_compressed) INTO v_batches;
      INSERT INTO ingest_recompressed_chunk (chunk, compressed_chunk, batches_before, batches_after, recompressed)
      VALUES (v_todo[i], v_compressed, v_before[i], v_batches, true)
      ON CONFLICT (chunk) DO UPDATE SET compressed_chunk = EXCLUDED.compressed_chunk,
        batches_before = EXCLUDED.batches_before, batches_after = EXCLUDED.batches_after,
        recompressed = true, checked_at = now();
    END IF;
    COMMIT;
    v_done := v_done + 1;
    RAISE LOG 'ingest_recompress_weeks: recompressed % in % s', v_info[i],
      round(extract(epoch FROM clock_timestamp() - v_t0)::numeric, 1);
  END LOOP;
  RAISE LOG 'ingest_recompress_weeks: done, % chunk(s) recompressed', v_done;
END
$proc$`;
}

/**
 * TimescaleDB: a daily job (`ingest_recompress_weeks`) that recompresses the completed week-long compressed
 * chunks of the raw series, so that a segment (one meter) holds a week per batch (issue #10, item 5:
 * merging only appends each day's batches of 96 rows). Nothing to do in native mode (nothing is compressed).
 */
export class IngestRecompressWeeks1730000000500 implements MigrationInterface {
  name = 'IngestRecompressWeeks1730000000500';

  async up(q: QueryRunner): Promise<void> {
    if ((await detectStorageMode(q)) !== 'timescaledb') return;
    // what the job checked or recompressed, by chunk and its compressed chunk (a rewrite makes a new one)
    await q.query(`CREATE TABLE ingest_recompressed_chunk (
      chunk text PRIMARY KEY,
      compressed_chunk text NOT NULL,
      batches_before bigint NOT NULL,
      batches_after bigint NOT NULL,
      recompressed boolean NOT NULL,
      checked_at timestamptz NOT NULL DEFAULT now())`);
    await q.query(recompressProcedureSql());
    const [job] = (await q.query(
      `SELECT add_job('ingest_recompress_weeks', INTERVAL '${RECOMPRESS_JOB_SCHEDULE}',
         initial_start => date_trunc('day', now(), 'UTC') + INTERVAL '1 day' + INTERVAL '${RECOMPRESS_JOB_START_UTC}',
         config => jsonb_build_object('min_rows_per_batch', ${RECOMPRESS_BELOW_ROWS_PER_BATCH},
                                      'allow_decompress', true)) AS id`,
    )) as { id: number }[];
    await q.query(
      `INSERT INTO ingest_schema_info (key, value) VALUES ('recompress_job', $1)
       ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value`,
      [String(job?.id)],
    );
  }

  async down(q: QueryRunner): Promise<void> {
    if ((await detectStorageMode(q)) !== 'timescaledb') return;
    const rows = (await q.query(`SELECT value FROM ingest_schema_info WHERE key = 'recompress_job'`)) as {
      value: string;
    }[];
    if (rows[0]) await q.query('SELECT delete_job($1::int)', [Number(rows[0].value)]);
    await q.query(`DELETE FROM ingest_schema_info WHERE key = 'recompress_job'`);
    await q.query('DROP PROCEDURE IF EXISTS ingest_recompress_weeks(integer, jsonb)');
    await q.query('DROP TABLE IF EXISTS ingest_recompressed_chunk');
  }
}
