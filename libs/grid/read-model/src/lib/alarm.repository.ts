import type { Alarm, AlarmState } from '@gridwerk/grid/alarms';
import { Queryable, rows } from './db';

export class ConcurrentChangeError extends Error {
  readonly code = 'ALARM.CONCURRENT_CHANGE';
  constructor(id: string) {
    super(`alarm ${id} was changed concurrently; reload and retry`);
    this.name = 'ConcurrentChangeError';
  }
}

export interface AlarmFilter {
  states?: readonly AlarmState[];
  nodeIds?: readonly string[];
  /** Only alarms whose node is one of these (perimeter); undefined = all. */
  limit?: number;
}

/** grid_alarm: one row per occurrence; the full alarm in `doc`, the columns for filters and invariants. */
export class AlarmRepository {
  async get(db: Queryable, id: string): Promise<Alarm | undefined> {
    const r = await rows<{ doc: Alarm }>(db, 'SELECT doc FROM grid_alarm WHERE id = $1', [id]);
    return r[0]?.doc;
  }

  async open(db: Queryable): Promise<Alarm[]> {
    const r = await rows<{ doc: Alarm }>(
      db,
      `SELECT doc FROM grid_alarm WHERE state <> 'cleared' ORDER BY raised_at`,
    );
    return r.map((x) => x.doc);
  }

  async list(db: Queryable, filter: AlarmFilter = {}): Promise<Alarm[]> {
    const r = await rows<{ doc: Alarm }>(
      db,
      `SELECT doc FROM grid_alarm
        WHERE ($1::text[] IS NULL OR state = ANY($1::text[]))
          AND ($2::text[] IS NULL OR node_id = ANY($2::text[]))
        ORDER BY changed_at DESC, id
        LIMIT $3`,
      [filter.states ?? null, filter.nodeIds ?? null, filter.limit ?? 500],
    );
    return r.map((x) => x.doc);
  }

  /** Raise instants within [since, now] (flood indicator). */
  async raisedSince(db: Queryable, since: Date): Promise<string[]> {
    const r = await rows<{ raised_at: Date }>(
      db,
      'SELECT raised_at FROM grid_alarm WHERE raised_at > $1 ORDER BY raised_at',
      [since],
    );
    return r.map((x) => x.raised_at.toISOString());
  }

  /**
   * Inserts a new occurrence (`previousVersion` null) or updates one if its stored version is still
   * `previousVersion` (optimistic concurrency between operators and the engine); throws ConcurrentChangeError.
   */
  async save(db: Queryable, alarm: Alarm, previousVersion: number | null): Promise<void> {
    const params = [
      alarm.id,
      alarm.code,
      alarm.nodeId,
      alarm.nodeKind,
      alarm.state,
      alarm.severity,
      alarm.raisedAt,
      alarm.changedAt,
      alarm.shelvedUntil ?? null,
      alarm.version,
      JSON.stringify(alarm),
    ];
    if (previousVersion === null) {
      await db.query(
        `INSERT INTO grid_alarm (id, code, node_id, node_kind, state, severity, raised_at, changed_at, shelved_until, version, doc)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::jsonb)`,
        params,
      );
      return;
    }
    const res = await db.query(
      `UPDATE grid_alarm SET state = $5, severity = $6, changed_at = $8, shelved_until = $9, version = $10, doc = $11::jsonb
        WHERE id = $1 AND code = $2 AND node_id = $3 AND node_kind = $4 AND raised_at = $7 AND version = $12`,
      [...params, previousVersion],
    );
    if (res.rowCount !== 1) throw new ConcurrentChangeError(alarm.id);
  }
}
