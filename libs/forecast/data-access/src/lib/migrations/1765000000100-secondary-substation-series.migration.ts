import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Models of secondary substations (`secondary-substation:<id>`, from `load_15m_secondary_substation`):
 * the transformers that overload, and the series the dispatch service plans on.
 */
export class SecondarySubstationSeries1765000000100 implements MigrationInterface {
  name = 'SecondarySubstationSeries1765000000100';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE forecast_model DROP CONSTRAINT forecast_model_series_kind_check');
    await q.query(
      `ALTER TABLE forecast_model ADD CONSTRAINT forecast_model_series_kind_check
         CHECK (series_kind IN ('feeder', 'substation', 'secondary-substation', 'grid', 'custom'))`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE forecast_model DROP CONSTRAINT forecast_model_series_kind_check');
    await q.query(
      `ALTER TABLE forecast_model ADD CONSTRAINT forecast_model_series_kind_check
         CHECK (series_kind IN ('feeder', 'substation', 'grid', 'custom'))`,
    );
  }
}
