import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Forecast-owned tables. The forecast service only *reads* the ingest service's published rollup views
 * (`load_15m_*`); everything it writes lives here.
 *
 * - `forecast_model`: versioned artefacts with their backtest metrics; at most one promoted per series+horizon.
 * - `forecast_run`: the idempotency record of one issue (series, horizon, issue time).
 * - `forecast_value`: the quantiles of that issue, one row per target step.
 * - `forecast_outbox`: events committed with the rows they announce; a relay publishes them to Kafka.
 */
export class ForecastTables1731000000000 implements MigrationInterface {
  name = 'ForecastTables1731000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE forecast_model (
        id bigserial PRIMARY KEY,
        series_id text NOT NULL,
        series_kind text NOT NULL CHECK (series_kind IN ('feeder', 'substation', 'grid', 'custom')),
        horizon text NOT NULL CHECK (horizon IN ('intraday', 'day-ahead')),
        version text NOT NULL,
        trained_at timestamptz NOT NULL,
        artefact jsonb NOT NULL,
        metrics jsonb NOT NULL,
        promoted boolean NOT NULL DEFAULT false,
        promoted_at timestamptz NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (series_id, horizon, version)
      )`);
    // The invariant "one promoted model per series and horizon" is enforced by the database, not by luck.
    await q.query(
      'CREATE UNIQUE INDEX forecast_model_promoted_uq ON forecast_model (series_id, horizon) WHERE promoted',
    );
    await q.query(`
      CREATE TABLE forecast_run (
        series_id text NOT NULL,
        horizon text NOT NULL CHECK (horizon IN ('intraday', 'day-ahead')),
        issue_time timestamptz NOT NULL,
        model_version text NOT NULL,
        status text NOT NULL CHECK (status IN ('issued')),
        points integer NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (series_id, horizon, issue_time)
      )`);
    await q.query(`
      CREATE TABLE forecast_value (
        series_id text NOT NULL,
        horizon text NOT NULL,
        issue_time timestamptz NOT NULL,
        target_start timestamptz NOT NULL,
        p10_wh bigint NOT NULL,
        p50_wh bigint NOT NULL,
        p90_wh bigint NOT NULL,
        model_version text NOT NULL,
        PRIMARY KEY (series_id, horizon, issue_time, target_start),
        FOREIGN KEY (series_id, horizon, issue_time) REFERENCES forecast_run (series_id, horizon, issue_time),
        CHECK (p10_wh <= p50_wh AND p50_wh <= p90_wh)
      )`);
    // The API reads "latest issue per target in a range" of one series.
    await q.query(
      'CREATE INDEX forecast_value_target_idx ON forecast_value (series_id, horizon, target_start, issue_time DESC)',
    );
    await q.query(`
      CREATE TABLE forecast_outbox (
        id bigserial PRIMARY KEY,
        topic text NOT NULL,
        key text NOT NULL,
        payload jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        published_at timestamptz NULL
      )`);
    await q.query(
      'CREATE INDEX forecast_outbox_unpublished_idx ON forecast_outbox (id) WHERE published_at IS NULL',
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE forecast_outbox');
    await q.query('DROP TABLE forecast_value');
    await q.query('DROP TABLE forecast_run');
    await q.query('DROP TABLE forecast_model');
  }
}
