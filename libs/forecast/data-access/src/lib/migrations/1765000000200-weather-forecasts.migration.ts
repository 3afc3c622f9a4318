import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Weather forecasts stored by vintage: one `weather_forecast` row per (weather point, issue time) and one
 * `weather_forecast_value` row per step (means over the step; NULL = not forecast). A vintage is immutable:
 * the same (point, issue time) again is a replay and changes nothing. Training reads, for each target, the
 * vintage known when that target's forecast is issued (index on point and issue time).
 * `forecast_model.features` / `weather_point_id`: the inputs a model was trained with (registry).
 */
export class WeatherForecasts1765000000200 implements MigrationInterface {
  name = 'WeatherForecasts1765000000200';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE weather_forecast (
        point_id     text        NOT NULL CHECK (length(point_id) BETWEEN 1 AND 128),
        issue_time   timestamptz NOT NULL,
        source       text        NOT NULL CHECK (source IN ('simulator', 'dwd-mosmix', 'csv')),
        step_minutes smallint    NOT NULL CHECK (step_minutes IN (15, 60)),
        steps        integer     NOT NULL CHECK (steps > 0),
        received_at  timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (point_id, issue_time)
      )`);
    await q.query(`
      CREATE TABLE weather_forecast_value (
        point_id           text        NOT NULL,
        issue_time         timestamptz NOT NULL,
        target_start       timestamptz NOT NULL,
        ghi_w_per_m2       double precision NULL,
        temperature_c      double precision NULL,
        cloud_cover_pct    double precision NULL,
        wind_speed_m_per_s double precision NULL,
        PRIMARY KEY (point_id, issue_time, target_start),
        FOREIGN KEY (point_id, issue_time) REFERENCES weather_forecast (point_id, issue_time) ON DELETE CASCADE,
        CHECK (target_start >= issue_time - interval '1 hour')
      )`);
    await q.query(`ALTER TABLE forecast_model ADD COLUMN features text[] NOT NULL DEFAULT '{}'`);
    await q.query(`ALTER TABLE forecast_model ADD COLUMN weather_point_id text NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE forecast_model DROP COLUMN weather_point_id');
    await q.query('ALTER TABLE forecast_model DROP COLUMN features');
    await q.query('DROP TABLE weather_forecast_value');
    await q.query('DROP TABLE weather_forecast');
  }
}
