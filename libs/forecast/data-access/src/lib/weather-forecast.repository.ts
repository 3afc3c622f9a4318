import type { Pool } from 'pg';
import {
  type WeatherForecastStore,
  type WeatherForecastVintage,
  type WeatherQuantity,
  type WeatherSource,
  checkVintage,
} from '@gridwerk/forecast/domain';
import { withTransaction } from '@gridwerk/shared/data-access-database';

const COLUMNS: Readonly<Record<WeatherQuantity, string>> = {
  ghiWPerM2: 'ghi_w_per_m2',
  temperatureC: 'temperature_c',
  cloudCoverPct: 'cloud_cover_pct',
  windSpeedMPerS: 'wind_speed_m_per_s',
};
const QUANTITIES = Object.keys(COLUMNS) as WeatherQuantity[];

interface VintageRow {
  point_id: string;
  issue_time: Date;
  source: WeatherSource;
  step_minutes: number;
  targets: Date[];
  ghi_w_per_m2: (number | null)[];
  temperature_c: (number | null)[];
  cloud_cover_pct: (number | null)[];
  wind_speed_m_per_s: (number | null)[];
}

/** Weather forecasts by vintage in `weather_forecast` / `weather_forecast_value` (the domain's store port). */
export class WeatherForecastRepository implements WeatherForecastStore {
  constructor(private readonly db: Pool) {}

  /** Stores a vintage in one transaction; a vintage stored before is a replay: 0 steps written. */
  async save(v: WeatherForecastVintage): Promise<number> {
    checkVintage(v);
    return withTransaction(this.db, async (client) => {
      const head = await client.query(
        `INSERT INTO weather_forecast (point_id, issue_time, source, step_minutes, steps)
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (point_id, issue_time) DO NOTHING RETURNING point_id`,
        [v.pointId, new Date(v.issueTimeMs), v.source, v.stepMs / 60_000, v.targetsMs.length],
      );
      if (head.rowCount === 0) return 0;
      const col = (q: WeatherQuantity): (number | null)[] => {
        const values = v.values[q];
        return v.targetsMs.map((_, i) => {
          const x = values?.[i];
          return x === undefined || !Number.isFinite(x) ? null : x;
        });
      };
      const res = await client.query(
        `INSERT INTO weather_forecast_value (point_id, issue_time, target_start, ${QUANTITIES.map((q) => COLUMNS[q]).join(', ')})
         SELECT $1, $2, u.t, u.ghi, u.temp, u.cloud, u.wind
           FROM unnest($3::timestamptz[], $4::float8[], $5::float8[], $6::float8[], $7::float8[]) AS u(t, ghi, temp, cloud, wind)`,
        [
          v.pointId,
          new Date(v.issueTimeMs),
          v.targetsMs.map((t) => new Date(t)),
          col('ghiWPerM2'),
          col('temperatureC'),
          col('cloudCoverPct'),
          col('windSpeedMPerS'),
        ],
      );
      return res.rowCount ?? 0;
    });
  }

  /** Vintages of a point issued in [issuedFromMs, issuedUntilMs), oldest first. */
  async vintages(
    pointId: string,
    issuedFromMs: number,
    issuedUntilMs: number,
  ): Promise<WeatherForecastVintage[]> {
    const res = await this.db.query<VintageRow>(
      `SELECT f.point_id, f.issue_time, f.source, f.step_minutes,
              array_agg(v.target_start ORDER BY v.target_start) AS targets,
              ${QUANTITIES.map((q) => `array_agg(v.${COLUMNS[q]} ORDER BY v.target_start) AS ${COLUMNS[q]}`).join(',\n              ')}
         FROM weather_forecast f JOIN weather_forecast_value v USING (point_id, issue_time)
        WHERE f.point_id = $1 AND f.issue_time >= $2 AND f.issue_time < $3
        GROUP BY f.point_id, f.issue_time, f.source, f.step_minutes
        ORDER BY f.issue_time`,
      [pointId, new Date(issuedFromMs), new Date(issuedUntilMs)],
    );
    return res.rows.map((r) => {
      const values: Partial<Record<WeatherQuantity, Float64Array>> = {};
      for (const q of QUANTITIES) {
        const raw = r[COLUMNS[q] as keyof VintageRow] as (number | null)[];
        if (raw.some((x) => x !== null))
          values[q] = Float64Array.from(raw, (x) => (x === null ? Number.NaN : Number(x)));
      }
      return {
        pointId: r.point_id,
        source: r.source,
        issueTimeMs: r.issue_time.getTime(),
        stepMs: r.step_minutes * 60_000,
        targetsMs: r.targets.map((t) => t.getTime()),
        values,
      };
    });
  }

  /** The latest issue time stored for a point (health of the feed), or undefined. */
  async latestIssue(pointId: string): Promise<number | undefined> {
    const res = await this.db.query<{ t: Date | null }>(
      'SELECT max(issue_time) AS t FROM weather_forecast WHERE point_id = $1',
      [pointId],
    );
    return res.rows[0]?.t?.getTime() ?? undefined;
  }
}
