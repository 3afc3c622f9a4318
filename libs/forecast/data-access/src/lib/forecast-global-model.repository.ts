import type { Pool } from 'pg';
import { withTransaction } from '@gridwerk/shared/data-access-database';
import { type ForecastHorizonName, type SeriesKind } from './series-id';

export interface NewGlobalModel {
  version: string;
  horizon: ForecastHorizonName;
  shardIndex: number;
  shardCount: number;
  trainedAt: string;
  artefact: unknown;
  metrics: unknown;
}

/** One series' row of a global model: its binding (as artefact), backtest metrics and promotion decision. */
export interface GlobalSeriesRow {
  seriesId: string;
  seriesKind: SeriesKind;
  binding: unknown;
  metrics: unknown;
  features: readonly string[];
  /** The weather point whose forecasts the series was trained with (run attaches the same); absent: none. */
  weatherPointId?: string;
  promote: boolean;
}

/** Shared artefacts of global models (`forecast_global_model`) and their per-series rows in `forecast_model`. */
export class ForecastGlobalModelRepository {
  constructor(private readonly db: Pool) {}

  async exists(version: string): Promise<boolean> {
    const res = await this.db.query('SELECT 1 FROM forecast_global_model WHERE version = $1', [version]);
    return (res.rowCount ?? 0) > 0;
  }

  /** The shared artefact of a global model version. */
  async artefact(version: string): Promise<unknown> {
    const res = await this.db.query<{ artefact: unknown }>(
      'SELECT artefact FROM forecast_global_model WHERE version = $1',
      [version],
    );
    return res.rows[0]?.artefact;
  }

  /** Backtest MAE of the promoted model of each given series (the incumbent a new model must beat). */
  async incumbentMae(
    seriesIds: readonly string[],
    horizon: ForecastHorizonName,
  ): Promise<Map<string, number>> {
    const res = await this.db.query<{ series_id: string; mae: number | null }>(
      `SELECT series_id, (metrics->'model'->>'mae')::float8 AS mae FROM forecast_model
        WHERE promoted AND horizon = $2 AND series_id = ANY($1::text[])`,
      [seriesIds, horizon],
    );
    return new Map(res.rows.flatMap((r) => (r.mae === null ? [] : [[r.series_id, r.mae] as const])));
  }

  /**
   * Stores the shared artefact once and one row per series pointing at it, and promotes the rows asked for
   * (demoting each series' previous model), all in one transaction: set-based, whatever the number of series.
   * A version that exists already is left as it is: returns false.
   */
  async save(model: NewGlobalModel, rows: readonly GlobalSeriesRow[]): Promise<boolean> {
    return withTransaction(this.db, async (client) => {
      const inserted = await client.query(
        `INSERT INTO forecast_global_model (version, horizon, shard_index, shard_count, trained_at, artefact, metrics, series)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (version) DO NOTHING RETURNING version`,
        [
          model.version,
          model.horizon,
          model.shardIndex,
          model.shardCount,
          model.trainedAt,
          JSON.stringify(model.artefact),
          JSON.stringify(model.metrics),
          rows.length,
        ],
      );
      if (inserted.rowCount === 0) return false;
      await client.query(
        `INSERT INTO forecast_model (series_id, series_kind, horizon, version, trained_at, artefact, metrics, features, global_version,
                                     weather_point_id)
         SELECT s.id, s.kind, $1, $2, $3, s.binding, s.metrics,
                ARRAY(SELECT jsonb_array_elements_text(s.features)), $2, s.weather_point_id
           FROM unnest($4::text[], $5::text[], $6::jsonb[], $7::jsonb[], $8::jsonb[], $9::text[])
             AS s(id, kind, binding, metrics, features, weather_point_id)
         ON CONFLICT (series_id, horizon, version) DO NOTHING`,
        [
          model.horizon,
          model.version,
          model.trainedAt,
          rows.map((r) => r.seriesId),
          rows.map((r) => r.seriesKind),
          rows.map((r) => JSON.stringify(r.binding)),
          rows.map((r) => JSON.stringify(r.metrics)),
          rows.map((r) => JSON.stringify(r.features)),
          rows.map((r) => r.weatherPointId ?? null),
        ],
      );
      const promote = rows.filter((r) => r.promote).map((r) => r.seriesId);
      if (promote.length > 0) {
        await client.query(
          'UPDATE forecast_model SET promoted = false WHERE promoted AND horizon = $1 AND series_id = ANY($2::text[])',
          [model.horizon, promote],
        );
        await client.query(
          `UPDATE forecast_model SET promoted = true, promoted_at = now()
            WHERE horizon = $1 AND version = $2 AND series_id = ANY($3::text[])`,
          [model.horizon, model.version, promote],
        );
      }
      return true;
    });
  }
}
