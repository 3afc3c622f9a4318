import { Queryable, rows } from './db';

/** One audit entry: who did what, when, why. `at` is set by the database when written. */
export interface AuditEntryInput {
  readonly actorSub: string;
  readonly actorName: string;
  /** e.g. `alarm.acknowledge`, `alarm.raised`, `thresholds.put`, `perimeter.put`. */
  readonly action: string;
  readonly alarmId?: string;
  /** What the action was on, when not an alarm (node id, user sub). */
  readonly target?: string;
  /** The user's comment, or the engine's explanation. */
  readonly reason?: string;
  readonly detail?: Record<string, unknown>;
}

export interface AuditEntry extends Required<Pick<AuditEntryInput, 'actorSub' | 'actorName' | 'action'>> {
  readonly id: number;
  readonly at: string;
  readonly alarmId: string | null;
  readonly target: string | null;
  readonly reason: string | null;
  readonly detail: Record<string, unknown>;
}

interface Row {
  id: string;
  at: Date;
  actor_sub: string;
  actor_name: string;
  action: string;
  alarm_id: string | null;
  target: string | null;
  reason: string | null;
  detail: Record<string, unknown>;
}

const toEntry = (r: Row): AuditEntry => ({
  id: Number(r.id),
  at: r.at.toISOString(),
  actorSub: r.actor_sub,
  actorName: r.actor_name,
  action: r.action,
  alarmId: r.alarm_id,
  target: r.target,
  reason: r.reason,
  detail: r.detail,
});

/** The append-only audit log (the database refuses UPDATE, DELETE and TRUNCATE on it). */
export class AuditRepository {
  async append(db: Queryable, entries: readonly AuditEntryInput[]): Promise<void> {
    if (entries.length === 0) return;
    await db.query(
      `INSERT INTO grid_audit_log (actor_sub, actor_name, action, alarm_id, target, reason, detail)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::jsonb[])`,
      [
        entries.map((e) => e.actorSub),
        entries.map((e) => e.actorName),
        entries.map((e) => e.action),
        entries.map((e) => e.alarmId ?? null),
        entries.map((e) => e.target ?? null),
        entries.map((e) => e.reason ?? null),
        entries.map((e) => JSON.stringify(e.detail ?? {})),
      ],
    );
  }

  async forAlarm(db: Queryable, alarmId: string): Promise<AuditEntry[]> {
    const r = await rows<Row>(db, 'SELECT * FROM grid_audit_log WHERE alarm_id = $1 ORDER BY id', [alarmId]);
    return r.map(toEntry);
  }

  async between(db: Queryable, from: Date, to: Date, limit = 1000): Promise<AuditEntry[]> {
    const r = await rows<Row>(
      db,
      'SELECT * FROM grid_audit_log WHERE at >= $1 AND at < $2 ORDER BY id LIMIT $3',
      [from, to, limit],
    );
    return r.map(toEntry);
  }
}
