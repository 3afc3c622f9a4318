import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Global models (issue #23): one TF.js model per horizon and shard, trained on many series.
 * - `forecast_global_model`: the shared artefact, once per version (not copied into every series' row).
 * - `forecast_model.global_version`: a series' row of a global model holds its binding (scale, statics,
 *   input policy, envelope, fallback) as `artefact` and points at the shared network. Promotion stays per
 *   series and per row, with the same "one promoted per series and horizon" index.
 */
export class GlobalModels1765000000500 implements MigrationInterface {
  name = 'GlobalModels1765000000500';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE forecast_global_model (
        version     text PRIMARY KEY,
        horizon     text NOT NULL CHECK (horizon IN ('intraday', 'day-ahead')),
        shard_index integer NOT NULL,
        shard_count integer NOT NULL,
        trained_at  timestamptz NOT NULL,
        artefact    jsonb NOT NULL,
        metrics     jsonb NOT NULL,
        series      integer NOT NULL CHECK (series >= 0),
        created_at  timestamptz NOT NULL DEFAULT now(),
        CHECK (shard_count >= 1 AND shard_index >= 0 AND shard_index < shard_count)
      )`);
    await q.query(
      'ALTER TABLE forecast_model ADD COLUMN global_version text NULL REFERENCES forecast_global_model (version)',
    );
    await q.query(
      'CREATE INDEX forecast_model_global_version_idx ON forecast_model (global_version) WHERE global_version IS NOT NULL',
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE forecast_model DROP COLUMN global_version');
    await q.query('DROP TABLE forecast_global_model');
  }
}
