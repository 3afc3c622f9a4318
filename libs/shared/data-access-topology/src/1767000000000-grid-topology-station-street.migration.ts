import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The street address of a secondary substation (e.g. 'Karl-Liebknecht-Straße 42'), as operators find a
 * station in the field: the control room searches by it. Additive and optional: a topology without it is
 * still written and read as before. A trigram-free lower() index is not needed: grid-api searches its
 * in-memory topology, the column is the source of truth it loads from.
 */
export class GridTopologyStationStreet1767000000000 implements MigrationInterface {
  name = 'GridTopologyStationStreet1767000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE secondary_substation
        ADD COLUMN street text NULL CHECK (street IS NULL OR length(street) BETWEEN 1 AND 200)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE secondary_substation DROP COLUMN street`);
  }
}
