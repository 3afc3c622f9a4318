import type { Pool } from 'pg';
import { withTransaction } from '@gridwerk/shared/data-access-database';
import { type ForecastHorizonName, type SeriesKind } from './series-id';

export interface StoredModelMeta {
  seriesId: string;
  horizon: ForecastHorizonName;
  version: string;
  trainedAt: string;
  metrics: unknown;
  promoted: boolean;
  /** Input columns the model was trained with (the registry's "features used"). */
  features: string[];
  /** The weather point its weather columns came from, if any. */
  weatherPointId: string | null;
}

export interface StoredModel extends StoredModelMeta {
  artefact: unknown;
  /** Set for a series' row of a global model: `artefact` is then the series' binding to that version. */
  globalVersion?: string | null;
}

export interface NewModel {
  seriesId: string;
  seriesKind: SeriesKind;
  horizon: ForecastHorizonName;
  version: string;
  trainedAt: string;
  artefact: unknown;
  metrics: unknown;
  features?: readonly string[];
  weatherPointId?: string;
}

interface ModelRow {
  series_id: string;
  horizon: ForecastHorizonName;
  version: string;
  trained_at: Date;
  metrics: unknown;
  promoted: boolean;
  features: string[];
  weather_point_id: string | null;
  artefact?: unknown;
  global_version?: string | null;
}

function metaOf(r: ModelRow): StoredModelMeta {
  return {
    seriesId: r.series_id,
    horizon: r.horizon,
    version: r.version,
    trainedAt: r.trained_at.toISOString(),
    metrics: r.metrics,
    promoted: r.promoted,
    features: r.features,
    weatherPointId: r.weather_point_id,
  };
}

/** Versioned model artefacts in `forecast_model`. */
export class ForecastModelRepository {
  constructor(private readonly db: Pool) {}

  async find(
    seriesId: string,
    horizon: ForecastHorizonName,
    version: string,
  ): Promise<StoredModelMeta | undefined> {
    const res = await this.db.query<ModelRow>(
      'SELECT series_id, horizon, version, trained_at, metrics, promoted, features, weather_point_id FROM forecast_model WHERE series_id = $1 AND horizon = $2 AND version = $3',
      [seriesId, horizon, version],
    );
    const row = res.rows[0];
    return row === undefined ? undefined : metaOf(row);
  }

  /**
   * Stores a model and, if asked, promotes it (demoting the previous one) in one transaction. A version
   * that already exists is left as it is: returns false.
   */
  async save(model: NewModel, promote: boolean): Promise<boolean> {
    return withTransaction(this.db, async (client) => {
      const inserted = await client.query(
        `INSERT INTO forecast_model (series_id, series_kind, horizon, version, trained_at, artefact, metrics, features, weather_point_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (series_id, horizon, version) DO NOTHING RETURNING id`,
        [
          model.seriesId,
          model.seriesKind,
          model.horizon,
          model.version,
          model.trainedAt,
          JSON.stringify(model.artefact),
          JSON.stringify(model.metrics),
          [...(model.features ?? [])],
          model.weatherPointId ?? null,
        ],
      );
      // nothing was written: committing the empty transaction is the same as rolling it back
      if (inserted.rowCount === 0) return false;
      if (promote) {
        await client.query(
          'UPDATE forecast_model SET promoted = false WHERE series_id = $1 AND horizon = $2 AND promoted',
          [model.seriesId, model.horizon],
        );
        await client.query(
          'UPDATE forecast_model SET promoted = true, promoted_at = now() WHERE series_id = $1 AND horizon = $2 AND version = $3',
          [model.seriesId, model.horizon, model.version],
        );
      }
      return true;
    });
  }

  /** The promoted model (with artefact) of each series that has one. */
  async findPromoted(
    seriesIds: readonly string[],
    horizon: ForecastHorizonName,
  ): Promise<Map<string, StoredModel>> {
    const res = await this.db.query<ModelRow>(
      `SELECT series_id, horizon, version, trained_at, metrics, promoted, features, weather_point_id, artefact, global_version FROM forecast_model
        WHERE series_id = ANY($1::text[]) AND horizon = $2 AND promoted`,
      [seriesIds, horizon],
    );
    return new Map(
      res.rows.map((r) => [
        r.series_id,
        { ...metaOf(r), artefact: r.artefact, globalVersion: r.global_version ?? null },
      ]),
    );
  }

  /** The promoted model's metadata, without the artefact. */
  async findPromotedMeta(
    seriesId: string,
    horizon: ForecastHorizonName,
  ): Promise<StoredModelMeta | undefined> {
    const res = await this.db.query<ModelRow>(
      'SELECT series_id, horizon, version, trained_at, metrics, promoted, features, weather_point_id FROM forecast_model WHERE series_id = $1 AND horizon = $2 AND promoted',
      [seriesId, horizon],
    );
    const row = res.rows[0];
    return row === undefined ? undefined : metaOf(row);
  }

  /** Whether the forecast service knows the series at all (any model or any issued forecast). */
  async isKnown(seriesId: string): Promise<boolean> {
    const res = await this.db.query(
      'SELECT 1 FROM forecast_model WHERE series_id = $1 UNION ALL SELECT 1 FROM forecast_run WHERE series_id = $1 LIMIT 1',
      [seriesId],
    );
    return (res.rowCount ?? 0) > 0;
  }
}
