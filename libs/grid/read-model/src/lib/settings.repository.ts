import { Queryable, rows } from './db';

/** Node id under which the default profile's overrides (over the built-in defaults) are stored. */
export const DEFAULT_PROFILE_ID = '*';

export interface ThresholdRow {
  readonly nodeId: string;
  readonly overrides: Record<string, number>;
  readonly updatedAt: string;
  readonly updatedBy: string;
}

export interface PerimeterRow {
  readonly sub: string;
  readonly substationIds: readonly string[];
  readonly updatedAt: string;
  readonly updatedBy: string;
}

/** Thresholds per node and users' perimeters: set by admins, read by the engine and every request. */
export class SettingsRepository {
  async thresholds(db: Queryable): Promise<ThresholdRow[]> {
    const r = await rows<{
      node_id: string;
      overrides: Record<string, number>;
      updated_at: Date;
      updated_by: string;
    }>(db, 'SELECT node_id, overrides, updated_at, updated_by FROM grid_threshold ORDER BY node_id');
    return r.map((x) => ({
      nodeId: x.node_id,
      overrides: x.overrides,
      updatedAt: x.updated_at.toISOString(),
      updatedBy: x.updated_by,
    }));
  }

  async putThresholds(
    db: Queryable,
    nodeId: string,
    overrides: Record<string, number>,
    by: string,
  ): Promise<void> {
    await db.query(
      `INSERT INTO grid_threshold (node_id, overrides, updated_by) VALUES ($1, $2::jsonb, $3)
       ON CONFLICT (node_id) DO UPDATE SET overrides = excluded.overrides, updated_by = excluded.updated_by, updated_at = now()`,
      [nodeId, JSON.stringify(overrides), by],
    );
  }

  async deleteThresholds(db: Queryable, nodeId: string): Promise<void> {
    await db.query('DELETE FROM grid_threshold WHERE node_id = $1', [nodeId]);
  }

  async perimeter(db: Queryable, sub: string): Promise<PerimeterRow | undefined> {
    const r = await rows<{ sub: string; substation_ids: string[]; updated_at: Date; updated_by: string }>(
      db,
      'SELECT sub, substation_ids, updated_at, updated_by FROM grid_user_perimeter WHERE sub = $1',
      [sub],
    );
    const x = r[0];
    return (
      x && {
        sub: x.sub,
        substationIds: x.substation_ids,
        updatedAt: x.updated_at.toISOString(),
        updatedBy: x.updated_by,
      }
    );
  }

  /** `null` removes the perimeter (the user sees the whole grid). */
  async putPerimeter(
    db: Queryable,
    sub: string,
    substationIds: readonly string[] | null,
    by: string,
  ): Promise<void> {
    if (substationIds === null) {
      await db.query('DELETE FROM grid_user_perimeter WHERE sub = $1', [sub]);
      return;
    }
    await db.query(
      `INSERT INTO grid_user_perimeter (sub, substation_ids, updated_by) VALUES ($1, $2::text[], $3)
       ON CONFLICT (sub) DO UPDATE SET substation_ids = excluded.substation_ids, updated_by = excluded.updated_by, updated_at = now()`,
      [sub, substationIds, by],
    );
  }
}
