import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `dispatch_forecast` keeps the latest issue per series *and horizon*: an intraday issue (4 h) no longer
 * replaces the day-ahead one, the planner merges them per quarter hour (freshest wins). Existing rows keep
 * their horizon and stay valid.
 */
export class DispatchForecastPerHorizon1733000000003 implements MigrationInterface {
  name = 'DispatchForecastPerHorizon1733000000003';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE dispatch_forecast DROP CONSTRAINT dispatch_forecast_pkey');
    await q.query('ALTER TABLE dispatch_forecast ADD PRIMARY KEY (series_id, horizon)');
  }

  async down(q: QueryRunner): Promise<void> {
    // back to one issue per series: the freshest one stays
    await q.query(`
      DELETE FROM dispatch_forecast f USING dispatch_forecast g
       WHERE f.series_id = g.series_id
         AND (f.issue_time, f.horizon) < (g.issue_time, g.horizon)`);
    await q.query('ALTER TABLE dispatch_forecast DROP CONSTRAINT dispatch_forecast_pkey');
    await q.query('ALTER TABLE dispatch_forecast ADD PRIMARY KEY (series_id)');
  }
}
