import { TopologyRepository } from '@gridwerk/shared/data-access-topology';
import {
  createIngestTestDb,
  IngestTestDb,
  meterId,
  pauseTimescaleJobs,
  quarterHourReadings,
  refreshRollupsNow,
  smallTopology,
} from '../testing/ingest-test-db';
import { MeterReadingWriter } from './meter-reading.writer';
import { detectStorageMode } from './storage-mode';
import { RECOMPRESS_HYPERTABLES } from './storage-settings';
import type { StorageMode } from './types';
import { verifyRollups } from './verify-rollups';

jest.setTimeout(240_000);

const DAY = 86_400_000;
const QH = 900_000;
const METERS = 4;

interface ChunkState {
  table: string;
  chunk: string;
  width_days: number;
  /** What the job treats as complete: a full merged week, or ended a week before the compression delay. */
  complete: boolean;
  compressed: boolean;
  compressed_chunk: string | null;
  batches: number;
  rows_per_batch: number | null;
}

/**
 * Issue #10, item 5: merging compressed daily chunks into weeks appends each day's batches, so a segment
 * (one meter) holds 96 rows per batch; the `ingest_recompress_weeks` job (migration 1730000000500)
 * recompresses completed weeks to 672 rows per batch, losing and doubling nothing, late data included.
 */
describe('recompression of completed weeks (ingest_recompress_weeks)', () => {
  let t: IngestTestDb;
  let mode: StorageMode;
  let writer: MeterReadingWriter;
  const today = Math.floor(Date.now() / DAY) * DAY;
  // 22 days of readings ending 8 days ago: every daily chunk is past the compression delay, and the
  // merged weeks among them are complete
  const start = new Date(today - 30 * DAY);
  const days = 22;
  const range = { from: new Date(start.getTime() - DAY), to: new Date(today) };

  async function jobId(): Promise<number> {
    const r = await t.pool.query<{ value: string }>(
      `SELECT value FROM ingest_schema_info WHERE key = 'recompress_job'`,
    );
    return Number(r.rows[0]?.value);
  }

  async function chunks(): Promise<ChunkState[]> {
    const out: ChunkState[] = [];
    for (const table of RECOMPRESS_HYPERTABLES) {
      const r = await t.pool.query<Omit<ChunkState, 'batches' | 'rows_per_batch' | 'table'>>(
        `SELECT format('%I.%I', c.chunk_schema, c.chunk_name) AS chunk,
                extract(epoch FROM c.range_end - c.range_start)::int / 86400 AS width_days,
                (c.range_end - c.range_start >= INTERVAL '7 days'
                 OR c.range_end <= now() - INTERVAL '14 days') AS complete,
                c.is_compressed AS compressed,
                (SELECT format('%I.%I', cc.schema_name, cc.table_name) FROM _timescaledb_catalog.chunk ch
                   JOIN _timescaledb_catalog.chunk cc ON cc.id = ch.compressed_chunk_id
                  WHERE ch.schema_name = c.chunk_schema AND ch.table_name = c.chunk_name) AS compressed_chunk
           FROM timescaledb_information.chunks c WHERE c.hypertable_name = $1 ORDER BY c.range_start`,
        [table],
      );
      for (const c of r.rows) {
        let batches = 0;
        let rowsPerBatch: number | null = null;
        if (c.compressed_chunk) {
          const b = await t.pool.query<{ n: number; rows: number }>(
            `SELECT count(*)::int AS n, coalesce(sum(_ts_meta_count), 0)::int AS rows FROM ${c.compressed_chunk}`,
          );
          batches = b.rows[0]?.n ?? 0;
          rowsPerBatch = batches ? (b.rows[0]?.rows ?? 0) / batches : null;
        }
        out.push({ table, ...c, batches, rows_per_batch: rowsPerBatch });
      }
    }
    return out;
  }

  /** Count and sums per meter of both raw tables: what recompression must leave exactly as it was. */
  async function totals(): Promise<unknown[]> {
    const r = await t.pool.query(
      `SELECT 'reading' AS t, meter_point_id, count(*)::int AS n, sum(import_wh)::text AS imp,
              sum(export_wh)::text AS exp, count(DISTINCT interval_start)::int AS keys
         FROM meter_reading GROUP BY meter_point_id
       UNION ALL
       SELECT 'version', meter_point_id, count(*)::int, sum(import_wh)::text, sum(export_wh)::text,
              count(DISTINCT (interval_start, event_id))::int
         FROM meter_reading_version GROUP BY meter_point_id
       ORDER BY 1, 2`,
    );
    return r.rows;
  }

  beforeAll(async () => {
    t = await createIngestTestDb('ingest_recompress_weeks');
    mode = await detectStorageMode(t.pool);
    await pauseTimescaleJobs(t.pool);
    await new TopologyRepository(t.pool).upsertTopology(smallTopology(METERS + 2));
    writer = new MeterReadingWriter(t.pool);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('native mode: no recompression job, nothing compressed', async () => {
    if (mode !== 'native-partitioning') return;
    expect(
      await t.pool.query(`SELECT key FROM ingest_schema_info WHERE key = 'recompress_job'`),
    ).toMatchObject({
      rowCount: 0,
    });
    const procs = await t.pool.query(`SELECT 1 FROM pg_proc WHERE proname = 'ingest_recompress_weeks'`);
    expect(procs.rowCount).toBe(0);
    const ext = await t.pool.query(`SELECT 1 FROM pg_extension WHERE extname = 'timescaledb'`);
    expect(ext.rowCount).toBe(0); // no compression without TimescaleDB: plain daily partitions
  });

  it('TimescaleDB: 96 rows per batch after the merge, 672 after the job; nothing lost, late data kept, idempotent', async () => {
    if (mode !== 'timescaledb') return;
    const job = await t.pool.query<{ s: string; cfg: unknown; hour: number }>(
      `SELECT schedule_interval::text AS s, config AS cfg, extract(hour FROM next_start AT TIME ZONE 'UTC')::int AS hour
         FROM timescaledb_information.jobs WHERE job_id = $1 AND proc_name = 'ingest_recompress_weeks'`,
      [await jobId()],
    );
    expect(job.rows).toEqual([
      { s: '1 day', cfg: { min_rows_per_batch: 600, allow_decompress: true }, hour: expect.any(Number) },
    ]);
    for (let d = 0; d < days; d++)
      await writer.writeReadings(quarterHourReadings(new Date(start.getTime() + d * DAY), 96, 0, METERS));
    await refreshRollupsNow(t.pool);

    // compress and merge as the policies would: their jobs, explicitly
    const policies = await t.pool.query<{ job_id: number }>(
      `SELECT job_id FROM timescaledb_information.jobs
        WHERE proc_name = 'policy_compression' AND hypertable_name = ANY($1) ORDER BY job_id`,
      [[...RECOMPRESS_HYPERTABLES]],
    );
    expect(policies.rows).toHaveLength(2);
    for (const p of policies.rows) await t.pool.query('CALL run_job($1)', [p.job_id]);

    const before = await chunks();
    const weeks = before.filter((c) => c.width_days === 7);
    // (2.28.3 merges the compressed chunks of meter_reading, not those of meter_reading_version)
    expect(weeks.filter((c) => c.table === 'meter_reading').length).toBeGreaterThanOrEqual(2);
    expect(before.every((c) => c.compressed)).toBe(true);
    for (const c of before) expect([c.chunk, c.rows_per_batch]).toEqual([c.chunk, 96]);
    const totalsBefore = await totals();
    expect((await verifyRollups(t.pool, range)).differing).toBe(0);

    const t0 = Date.now();
    await t.pool.query('CALL run_job($1)', [await jobId()]);
    const took = Date.now() - t0;
    const after = await chunks();
    console.log(
      `ingest_recompress_weeks: ${took} ms; rows per batch before/after:`,
      before.map((c, i) => `${c.table} ${c.width_days}d ${c.rows_per_batch} -> ${after[i]?.rows_per_batch}`),
    );
    expect(after.map((c) => [c.table, c.chunk, c.width_days])).toEqual(
      before.map((c) => [c.table, c.chunk, c.width_days]),
    );
    after.forEach((c, i) => {
      expect([c.chunk, c.compressed]).toEqual([c.chunk, true]);
      // a segment holds the chunk's days of one meter in one batch: 672 for a full week; a week still
      // being merged is left alone
      const expected = c.complete ? [METERS, c.width_days * 96] : [before[i]?.batches, 96];
      expect([c.chunk, c.batches, c.rows_per_batch]).toEqual([c.chunk, ...expected]);
    });
    expect(after.filter((c) => c.width_days === 7 && c.rows_per_batch === 672).length).toBeGreaterThanOrEqual(
      2,
    );
    expect(await totals()).toEqual(totalsBefore);
    expect((await verifyRollups(t.pool, range)).differing).toBe(0);
    // the recompressed chunks are recorded, with their batches before and after
    const log = await t.pool.query<{ chunk: string; b: number; a: number }>(
      `SELECT chunk, batches_before::int AS b, batches_after::int AS a FROM ingest_recompressed_chunk
        WHERE recompressed ORDER BY chunk`,
    );
    const rewritten = after.filter((c, i) => c.rows_per_batch !== before[i]?.rows_per_batch);
    expect(log.rows.map((r) => r.chunk)).toEqual(rewritten.map((c) => c.chunk).sort());
    for (const r of log.rows) expect([r.b, r.a]).toEqual([7 * METERS, METERS]);

    // late data into a recompressed week: a new meter's reading and a correction of a stored one
    const week = after.find((c) => c.table === 'meter_reading' && c.width_days === 7);
    const [w] = (
      await t.pool.query<{ s: Date }>(
        `SELECT range_start AS s FROM timescaledb_information.chunks WHERE format('%I.%I', chunk_schema, chunk_name) = $1`,
        [week?.chunk],
      )
    ).rows;
    const lateAt = new Date((w?.s.getTime() ?? 0) + 2 * DAY + 10 * QH);
    const late = quarterHourReadings(lateAt, 4, METERS, METERS + 1, 'late');
    const correction = quarterHourReadings(lateAt, 1, 1, 2, 'corr').map((r) => ({ ...r, importWh: 999 }));
    const res = await writer.writeReadings([...late, ...correction]);
    expect([res.inserted, res.corrections]).toEqual([4, 1]);
    await refreshRollupsNow(t.pool);
    const stored = await t.pool.query<{ n: number; imp: number }>(
      `SELECT count(*)::int AS n, sum(import_wh)::int AS imp FROM meter_reading
        WHERE meter_point_id = $1 OR (meter_point_id = $2 AND interval_start = $3)`,
      [meterId(METERS), meterId(1), lateAt],
    );
    expect(stored.rows[0]).toEqual({ n: 5, imp: late.reduce((s, r) => s + r.importWh, 0) + 999 });
    const v = await verifyRollups(t.pool, range);
    expect([v.differing, v.pendingHours]).toEqual([0, 0]);
    const withLate = await totals();

    // a second run changes nothing (the late rows stay where they are until the compression policy)
    const again = await chunks();
    await t.pool.query('CALL run_job($1)', [await jobId()]);
    expect(await chunks()).toEqual(again);
    expect(await totals()).toEqual(withLate);
    expect((await verifyRollups(t.pool, range)).differing).toBe(0);
  });
});
