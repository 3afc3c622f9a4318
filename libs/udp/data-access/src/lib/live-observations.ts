import type { Pool } from 'pg';
import { withTransaction } from '@gridwerk/shared/data-access-database';
import {
  Catalog,
  isRollupKind,
  NodeLevel,
  observationEntity,
  observationTopics,
  RollupKind,
} from '@gridwerk/udp/domain';
import { ROLLUP_VIEW } from './observation.source';

/** Where the relay publishes; MqttObservationPublisher (mqtt.js) in production. */
export interface ObservationPublisher {
  /** Resolves once the broker acknowledged every message (QoS 1). */
  publish(messages: readonly { topic: string; payload: string }[]): Promise<void>;
}

const LEVELS: readonly NodeLevel[] = ['secondarySubstation', 'feeder', 'substation'];

/** Advisory lock key: one replica at a time detects new observations (the others serve reads). */
const DETECT_LOCK = 74_711_421;

function result(
  kind: RollupKind,
  factor: number,
  row: { import_wh: string; export_wh: string; net_wh: string },
): number {
  switch (kind) {
    case 'energy-imported':
      return Number(row.import_wh) * factor;
    case 'energy-exported':
      return Number(row.export_wh) * factor;
    case 'active-power':
      return Number(row.net_wh) * factor;
    case 'loading':
      return Math.round(Math.abs(Number(row.net_wh)) * factor * 100) / 100;
  }
}

/**
 * Finds the quarter hours of published nodes whose rollup appeared or changed since last announced (within
 * `lookbackMs`, with at least k metering points reporting) and writes their observations to the outbox, in
 * the transaction that records them as announced: a crash loses nothing and announces nothing twice.
 */
export async function detectNewObservations(
  pool: Pool,
  catalog: Catalog,
  opts: { k: number; lookbackMs: number; now?: Date; changedFrom?: Date },
): Promise<number> {
  const since = new Date((opts.now ?? new Date()).getTime() - opts.lookbackMs);
  // ingest announced the earliest bucket it rewrote: nothing before it can have changed
  const from = opts.changedFrom !== undefined && opts.changedFrom > since ? opts.changedFrom : since;
  // the live part covers the rollups (metered load); forecasts, telemetry and settlement are read on GET
  const byNode = new Map<string, { kind: RollupKind; factor: number; id: string }[]>();
  for (const d of catalog.datastreams.values()) {
    if (!isRollupKind(d.kind)) continue;
    const key = `${d.level}/${d.seriesKey}`;
    byNode.set(key, [...(byNode.get(key) ?? []), { kind: d.kind, factor: d.factor, id: d.datastreamId }]);
  }
  return withTransaction(pool, async (client) => {
    const lock = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_xact_lock($1) AS ok', [
      DETECT_LOCK,
    ]);
    if (lock.rows[0]?.ok !== true) return 0;
    const union = LEVELS.map(
      (level) =>
        `SELECT '${level}'::text AS level, node_id, bucket_start, import_wh, export_wh, net_wh
           FROM ${ROLLUP_VIEW[level]} WHERE bucket_start >= $1 AND meters_reporting >= $2`,
    ).join(' UNION ALL ');
    const changed = await client.query<{
      level: NodeLevel;
      node_id: string;
      bucket_start: Date;
      import_wh: string;
      export_wh: string;
      net_wh: string;
    }>(
      `SELECT c.* FROM (${union}) c
         LEFT JOIN udp_published p ON p.level = c.level AND p.node_id = c.node_id AND p.bucket_start = c.bucket_start
        WHERE p.node_id IS NULL OR p.import_wh <> c.import_wh OR p.export_wh <> c.export_wh`,
      [from, opts.k],
    );
    if (changed.rows.length === 0) return 0;
    await client.query(
      `INSERT INTO udp_published (level, node_id, bucket_start, import_wh, export_wh)
       SELECT * FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::bigint[], $5::bigint[])
       ON CONFLICT (level, node_id, bucket_start) DO UPDATE
         SET import_wh = excluded.import_wh, export_wh = excluded.export_wh, published_at = now()`,
      [
        changed.rows.map((r) => r.level),
        changed.rows.map((r) => r.node_id),
        changed.rows.map((r) => r.bucket_start),
        changed.rows.map((r) => r.import_wh),
        changed.rows.map((r) => r.export_wh),
      ],
    );
    const ids: string[] = [];
    const starts: Date[] = [];
    const results: number[] = [];
    for (const r of changed.rows)
      for (const d of byNode.get(`${r.level}/${r.node_id}`) ?? []) {
        ids.push(d.id);
        starts.push(r.bucket_start);
        results.push(result(d.kind, d.factor, r));
      }
    if (ids.length > 0)
      await client.query(
        `INSERT INTO udp_outbox (datastream_id, bucket_start, result)
         SELECT * FROM unnest($1::text[], $2::timestamptz[], $3::float8[])`,
        [ids, starts, results],
      );
    // what left the lookback window is never compared again
    await client.query('DELETE FROM udp_published WHERE bucket_start < $1', [since]);
    return ids.length;
  });
}

/**
 * Publishes the outbox in id order and deletes the rows in the transaction that claimed them, after the
 * broker acknowledged them (QoS 1). A broker that is down leaves every row for the next attempt.
 */
export async function relayObservations(
  pool: Pool,
  publisher: ObservationPublisher,
  opts: { baseUrl: string; batchSize: number; topicPrefix?: string },
): Promise<{ published: number; delaysMs: number[] }> {
  let published = 0;
  const delaysMs: number[] = [];
  for (;;) {
    const n = await withTransaction(pool, async (client) => {
      const res = await client.query<{
        id: string;
        datastream_id: string;
        bucket_start: Date;
        result: number;
        stored_at: Date;
      }>(
        `SELECT id, datastream_id, bucket_start, result, stored_at FROM udp_outbox
          WHERE published_at IS NULL ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED`,
        [opts.batchSize],
      );
      if (res.rows.length === 0) return 0;
      const messages = res.rows.flatMap((r) => {
        const row = { datastreamId: r.datastream_id, phenomenonStart: r.bucket_start, result: r.result };
        const prefix = opts.topicPrefix ?? '';
        return observationTopics(r.datastream_id, prefix).map((topic) => ({
          topic,
          payload: JSON.stringify(
            observationEntity(opts.baseUrl, topic.slice(prefix.length, prefix.length + 4), row),
          ),
        }));
      });
      await publisher.publish(messages);
      // acknowledged: gone (a DELETE of the claimed rows by key, no later sweep over published ones)
      await client.query('DELETE FROM udp_outbox WHERE id = ANY($1::bigint[])', [res.rows.map((r) => r.id)]);
      const now = Date.now();
      for (const r of res.rows) delaysMs.push(now - r.stored_at.getTime());
      return res.rows.length;
    });
    published += n;
    if (n < opts.batchSize) break;
  }
  return { published, delaysMs };
}

export async function pendingObservations(pool: Pool): Promise<number> {
  const r = await pool.query<{ n: string }>(
    'SELECT count(*) AS n FROM udp_outbox WHERE published_at IS NULL',
  );
  return Number(r.rows[0]?.n ?? 0);
}
