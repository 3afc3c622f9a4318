import { MigrationInterface, QueryRunner } from 'typeorm';

const SITED = ['substation', 'feeder', 'secondary_substation', 'battery_asset'] as const;

/**
 * WGS 84 coordinates of the grid's sites (longitude, latitude in degrees), from the GIS export or the
 * simulator. Additive and optional: a topology without them is still written and read as before.
 */
export class GridTopologyCoordinates1766000000000 implements MigrationInterface {
  name = 'GridTopologyCoordinates1766000000000';

  async up(q: QueryRunner): Promise<void> {
    for (const table of SITED)
      await q.query(`
        ALTER TABLE ${table}
          ADD COLUMN longitude double precision NULL CHECK (longitude BETWEEN -180 AND 180),
          ADD COLUMN latitude double precision NULL CHECK (latitude BETWEEN -90 AND 90),
          ADD CONSTRAINT ${table}_position_check CHECK ((longitude IS NULL) = (latitude IS NULL))`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of SITED)
      await q.query(
        `ALTER TABLE ${table} DROP CONSTRAINT ${table}_position_check, DROP COLUMN longitude, DROP COLUMN latitude`,
      );
  }
}
