import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `forecast_value.replaced`: set when the stored point is the fallback baseline instead of the model's
 * forecast (`envelope`: the model left the series' plausible envelope; `inputs-missing`: an input the model
 * needs was missing). NULL = the model's own forecast. Additive; older rows stay NULL.
 */
export class ForecastReplaced1765000000000 implements MigrationInterface {
  name = 'ForecastReplaced1765000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE forecast_value ADD COLUMN replaced text NULL CHECK (replaced IN ('envelope', 'inputs-missing'))`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE forecast_value DROP COLUMN replaced');
  }
}
