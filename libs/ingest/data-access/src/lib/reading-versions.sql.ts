/**
 * SQL of the general write path of readings (see MeterReadingWriter.writeReadingsStaged). The batch is in
 * ingest_stage_reading (`ord` = arrival order); the statements run in one transaction.
 */

const VALUE_COLUMNS = `interval_end, resolution, import_wh, export_wh, register_import_wh, register_export_wh, quality`;
const COLUMNS = `meter_point_id, interval_start, ${VALUE_COLUMNS}, event_id`;

/**
 * A reading with a single version is stored in meter_reading only (migration 1730000000700). Before a
 * batch adds versions, the current row of every key that gets a version different from it (another event
 * id and other values) and has no history yet is copied into meter_reading_revision as its first version,
 * so that the table holds, per key, every version or none. A replay or a resend of identical values copies
 * nothing.
 */
export const MATERIALISE_FIRST_VERSIONS_SQL = `
INSERT INTO meter_reading_revision (${COLUMNS}, ingested_at)
SELECT ${COLUMNS.replace(/(\w+)/g, 'm.$1')}, m.ingested_at
  FROM (SELECT DISTINCT meter_point_id, interval_start FROM ingest_stage_reading) k
  JOIN meter_reading m ON m.meter_point_id = k.meter_point_id AND m.interval_start = k.interval_start
 WHERE NOT EXISTS (SELECT 1 FROM meter_reading_revision v
                    WHERE v.meter_point_id = m.meter_point_id AND v.interval_start = m.interval_start)
   AND EXISTS (SELECT 1 FROM ingest_stage_reading s
                WHERE s.meter_point_id = m.meter_point_id AND s.interval_start = m.interval_start
                  AND s.event_id <> m.event_id
                  AND (s.interval_end, s.resolution, s.import_wh, s.export_wh, s.register_import_wh,
                       s.register_export_wh, s.quality)
                      IS DISTINCT FROM (m.interval_end, m.resolution, m.import_wh, m.export_wh,
                       m.register_import_wh, m.register_export_wh, m.quality))
ON CONFLICT (meter_point_id, interval_start, event_id) DO NOTHING`;

/**
 * New versions into the history, in arrival order, and the (meter, interval) keys they touch into
 * ingest_stage_touched. Not a new version: an event id already stored for the interval (a replay), or a
 * version equal in every value and the quality to one stored or earlier in the batch (a resend under a
 * new id changes nothing).
 */
export const INSERT_VERSIONS_SQL = `
WITH by_id AS (
  SELECT DISTINCT ON (meter_point_id, interval_start, event_id) *
    FROM ingest_stage_reading
   ORDER BY meter_point_id, interval_start, event_id, ord
), by_value AS (
  SELECT DISTINCT ON (meter_point_id, interval_start, ${VALUE_COLUMNS}) *
    FROM by_id
   ORDER BY meter_point_id, interval_start, ${VALUE_COLUMNS}, ord
), fresh AS (
  SELECT b.* FROM by_value b
   WHERE NOT EXISTS (
     SELECT 1 FROM meter_reading_revision v
      WHERE v.meter_point_id = b.meter_point_id AND v.interval_start = b.interval_start
        AND (v.event_id = b.event_id
             OR (v.interval_end, v.resolution, v.import_wh, v.export_wh, v.register_import_wh,
                 v.register_export_wh, v.quality)
              = (b.interval_end, b.resolution, b.import_wh, b.export_wh, b.register_import_wh,
                 b.register_export_wh, b.quality)))
     -- a key without history: its current row is its only version
     AND NOT EXISTS (
     SELECT 1 FROM meter_reading m
      WHERE m.meter_point_id = b.meter_point_id AND m.interval_start = b.interval_start
        AND (m.event_id = b.event_id
             OR (m.interval_end, m.resolution, m.import_wh, m.export_wh, m.register_import_wh,
                 m.register_export_wh, m.quality)
              = (b.interval_end, b.resolution, b.import_wh, b.export_wh, b.register_import_wh,
                 b.register_export_wh, b.quality)))
), ins AS (
  INSERT INTO meter_reading_revision (${COLUMNS})
  SELECT ${COLUMNS} FROM fresh ORDER BY ord
  ON CONFLICT (meter_point_id, interval_start, event_id) DO NOTHING
  RETURNING meter_point_id, interval_start
)
INSERT INTO ingest_stage_touched (meter_point_id, interval_start, versions, existed)
SELECT i.meter_point_id, i.interval_start, count(*)::integer,
       EXISTS (SELECT 1 FROM meter_reading m
                WHERE m.meter_point_id = i.meter_point_id AND m.interval_start = i.interval_start)
  FROM ins i
 GROUP BY i.meter_point_id, i.interval_start`;

export const VERSIONS_INSERTED_SQL = `SELECT coalesce(sum(versions), 0)::integer AS versions FROM ingest_stage_touched`;

/**
 * The current value of every touched key, by precedence (ingest_quality_rank, then seq: the latest of
 * equal quality), upserted into meter_reading; a key whose current version did not change is not
 * written. new_keys: keys stored for the first time; written: rows inserted or changed; applied: keys
 * whose current value is now a correction (not their first version), whether the key is new in this
 * batch or not.
 */
export const APPLY_CURRENT_VALUES_SQL = `
WITH best AS (
  SELECT DISTINCT ON (v.meter_point_id, v.interval_start) v.*
    FROM ingest_stage_touched t
    JOIN meter_reading_revision v ON v.meter_point_id = t.meter_point_id AND v.interval_start = t.interval_start
   ORDER BY v.meter_point_id, v.interval_start, ingest_quality_rank(v.quality) DESC, v.seq DESC
), up AS (
  INSERT INTO meter_reading (${COLUMNS}, ingested_at)
  SELECT ${COLUMNS}, ingested_at FROM best
  ON CONFLICT (meter_point_id, interval_start) DO UPDATE
     SET interval_end = EXCLUDED.interval_end, resolution = EXCLUDED.resolution,
         import_wh = EXCLUDED.import_wh, export_wh = EXCLUDED.export_wh,
         register_import_wh = EXCLUDED.register_import_wh, register_export_wh = EXCLUDED.register_export_wh,
         quality = EXCLUDED.quality, event_id = EXCLUDED.event_id, ingested_at = EXCLUDED.ingested_at
   WHERE meter_reading.event_id <> EXCLUDED.event_id
  RETURNING meter_point_id, interval_start
), firsts AS (
  SELECT v.meter_point_id, v.interval_start, min(v.seq) AS first_seq
    FROM ingest_stage_touched t
    JOIN meter_reading_revision v ON v.meter_point_id = t.meter_point_id AND v.interval_start = t.interval_start
   GROUP BY v.meter_point_id, v.interval_start
)
SELECT (SELECT count(*) FROM ingest_stage_touched WHERE NOT existed)::integer AS new_keys,
       (SELECT count(*) FROM up)::integer AS written,
       (SELECT count(*) FROM up u
          JOIN best b ON b.meter_point_id = u.meter_point_id AND b.interval_start = u.interval_start
          JOIN firsts fs ON fs.meter_point_id = u.meter_point_id AND fs.interval_start = u.interval_start
         WHERE b.seq <> fs.first_seq)::integer AS applied`;

/** A few corrections of this batch, for the log line: the key, the newest version and the current one. */
export const CORRECTION_SAMPLES_SQL = `
SELECT t.meter_point_id AS "meterPointId", t.interval_start AS "intervalStart",
       n.event_id AS "eventId", n.quality AS "quality",
       m.event_id AS "currentEventId", m.quality AS "currentQuality"
  FROM ingest_stage_touched t
  JOIN meter_reading m ON m.meter_point_id = t.meter_point_id AND m.interval_start = t.interval_start
  CROSS JOIN LATERAL (
    SELECT v.event_id, v.quality FROM meter_reading_revision v
     WHERE v.meter_point_id = t.meter_point_id AND v.interval_start = t.interval_start
     ORDER BY v.seq DESC LIMIT 1) n
 WHERE t.existed OR t.versions > 1
 ORDER BY t.meter_point_id, t.interval_start
 LIMIT 5`;
