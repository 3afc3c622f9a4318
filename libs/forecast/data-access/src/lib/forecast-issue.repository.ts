import type { Pool } from 'pg';
import { withTransaction } from '@gridwerk/shared/data-access-database';
import { type ForecastIssuedEvent, type ForecastPoint, Topics } from '@gridwerk/contracts';
import { type ForecastHorizonName } from './series-id';

/** One issued forecast of one series: its rows, its run record and the event announcing it. */
export interface ForecastIssue {
  seriesId: string;
  horizon: ForecastHorizonName;
  issueTime: string;
  modelVersion: string;
  points: readonly ForecastPoint[];
  event: ForecastIssuedEvent;
}

export interface StoredForecastPoint extends ForecastPoint {
  issueTime: string;
}

/** `forecast_run` (idempotency record), `forecast_value` and `forecast_outbox`. */
export class ForecastIssueRepository {
  constructor(private readonly db: Pool) {}

  /** Series of the list that already have a run for this horizon and issue time. */
  async existingRuns(
    seriesIds: readonly string[],
    horizon: ForecastHorizonName,
    issueTime: string,
  ): Promise<Set<string>> {
    const res = await this.db.query<{ series_id: string }>(
      'SELECT series_id FROM forecast_run WHERE series_id = ANY($1::text[]) AND horizon = $2 AND issue_time = $3',
      [seriesIds, horizon, issueTime],
    );
    return new Set(res.rows.map((r) => r.series_id));
  }

  /**
   * Writes the issues in ONE transaction: run records, forecast rows and outbox events commit together or
   * not at all. An issue whose run record already exists (a concurrent or repeated run) is skipped
   * entirely. Returns the series ids actually written.
   */
  async write(issues: readonly ForecastIssue[]): Promise<string[]> {
    if (issues.length === 0) return [];
    return withTransaction(this.db, async (client) => {
      const runs = await client.query<{ series_id: string; horizon: string; issue_time: Date }>(
        `INSERT INTO forecast_run (series_id, horizon, issue_time, model_version, status, points)
       SELECT s, h, t, v, 'issued', n FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::text[], $5::int[]) AS u(s, h, t, v, n)
       ON CONFLICT (series_id, horizon, issue_time) DO NOTHING RETURNING series_id, horizon, issue_time`,
        [
          issues.map((i) => i.seriesId),
          issues.map((i) => i.horizon),
          issues.map((i) => i.issueTime),
          issues.map((i) => i.modelVersion),
          issues.map((i) => i.points.length),
        ],
      );
      const fresh = new Set(runs.rows.map((r) => `${r.series_id}|${r.horizon}|${r.issue_time.getTime()}`));
      const todo = issues.filter((i) => fresh.has(`${i.seriesId}|${i.horizon}|${Date.parse(i.issueTime)}`));
      const cols: [
        string[],
        string[],
        string[],
        string[],
        string[],
        string[],
        string[],
        string[],
        (string | null)[],
      ] = [[], [], [], [], [], [], [], [], []];
      for (const i of todo) {
        for (const p of i.points) {
          cols[0].push(i.seriesId);
          cols[1].push(i.horizon);
          cols[2].push(i.issueTime);
          cols[3].push(p.targetStart);
          cols[4].push(String(p.p10Wh));
          cols[5].push(String(p.p50Wh));
          cols[6].push(String(p.p90Wh));
          cols[7].push(i.modelVersion);
          cols[8].push(p.replaced ?? null);
        }
      }
      if (cols[0].length > 0) {
        await client.query(
          `INSERT INTO forecast_value (series_id, horizon, issue_time, target_start, p10_wh, p50_wh, p90_wh, model_version, replaced)
         SELECT * FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::timestamptz[], $5::bigint[], $6::bigint[], $7::bigint[], $8::text[], $9::text[])`,
          cols,
        );
      }
      if (todo.length > 0) {
        await client.query(
          `INSERT INTO forecast_outbox (topic, key, payload) SELECT $1, k, p FROM unnest($2::text[], $3::jsonb[]) AS u(k, p)`,
          [Topics.forecasts, todo.map((i) => i.seriesId), todo.map((i) => JSON.stringify(i.event))],
        );
      }
      return todo.map((i) => i.seriesId);
    });
  }

  /** The latest issued value per target step in [fromMs, toMs). */
  async latestPoints(
    seriesId: string,
    horizon: ForecastHorizonName,
    fromMs: number,
    toMs: number,
  ): Promise<StoredForecastPoint[]> {
    const res = await this.db.query<{
      target_start: Date;
      issue_time: Date;
      p10_wh: string;
      p50_wh: string;
      p90_wh: string;
      replaced: ForecastPoint['replaced'] | null;
    }>(
      `SELECT DISTINCT ON (target_start) target_start, issue_time, p10_wh, p50_wh, p90_wh, replaced FROM forecast_value
        WHERE series_id = $1 AND horizon = $2 AND target_start >= $3 AND target_start < $4
        ORDER BY target_start, issue_time DESC`,
      [seriesId, horizon, new Date(fromMs), new Date(toMs)],
    );
    return res.rows.map((r) => ({
      targetStart: toInstant(r.target_start),
      issueTime: toInstant(r.issue_time),
      p10Wh: Number(r.p10_wh),
      p50Wh: Number(r.p50_wh),
      p90Wh: Number(r.p90_wh),
      ...(r.replaced === null || r.replaced === undefined ? {} : { replaced: r.replaced }),
    }));
  }
}

function toInstant(d: Date): string {
  const iso = d.toISOString();
  return iso.endsWith('.000Z') ? `${iso.slice(0, 19)}Z` : iso;
}
