import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Grid topology: substation (Umspannwerk) -> feeder -> secondary substation (Ortsnetzstation) -> meter
 * points and batteries; communities group meter points. The simulator (or the utility's GIS export) writes
 * it through TopologyRepository; services read it to roll load up the hierarchy.
 */
export class GridTopology1730000000000 implements MigrationInterface {
  name = 'GridTopology1730000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE substation (
        id text PRIMARY KEY,
        name text NOT NULL,
        rated_mva real NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE feeder (
        id text PRIMARY KEY,
        substation_id text NOT NULL REFERENCES substation (id),
        name text NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query('CREATE INDEX feeder_substation_idx ON feeder (substation_id)');
    await q.query(`
      CREATE TABLE secondary_substation (
        id text PRIMARY KEY,
        feeder_id text NOT NULL REFERENCES feeder (id),
        name text NOT NULL,
        rated_kva integer NOT NULL CHECK (rated_kva > 0),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query('CREATE INDEX secondary_substation_feeder_idx ON secondary_substation (feeder_id)');
    await q.query(`
      CREATE TABLE community (
        id text PRIMARY KEY,
        name text NOT NULL,
        feeder_id text NULL REFERENCES feeder (id),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE meter_point (
        id text PRIMARY KEY CHECK (char_length(id) = 33 AND id ~ '^DE[0-9A-Z]{31}$'),
        secondary_substation_id text NOT NULL REFERENCES secondary_substation (id),
        customer_type text NOT NULL,
        profile text NOT NULL,
        annual_consumption_wh bigint NOT NULL CHECK (annual_consumption_wh >= 0),
        pv_peak_w integer NULL CHECK (pv_peak_w >= 0),
        home_storage_wh bigint NULL CHECK (home_storage_wh >= 0),
        community_id text NULL REFERENCES community (id) ON DELETE SET NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(
      'CREATE INDEX meter_point_secondary_substation_idx ON meter_point (secondary_substation_id)',
    );
    await q.query(
      'CREATE INDEX meter_point_community_idx ON meter_point (community_id) WHERE community_id IS NOT NULL',
    );
    await q.query(`
      CREATE TABLE battery_asset (
        id text PRIMARY KEY,
        secondary_substation_id text NOT NULL REFERENCES secondary_substation (id),
        nominal_capacity_wh bigint NOT NULL CHECK (nominal_capacity_wh > 0),
        usable_capacity_wh bigint NULL CHECK (usable_capacity_wh >= 0),
        max_charge_w integer NULL CHECK (max_charge_w >= 0),
        max_discharge_w integer NULL CHECK (max_discharge_w >= 0),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(
      'CREATE INDEX battery_asset_secondary_substation_idx ON battery_asset (secondary_substation_id)',
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE battery_asset');
    await q.query('DROP TABLE meter_point');
    await q.query('DROP TABLE community');
    await q.query('DROP TABLE secondary_substation');
    await q.query('DROP TABLE feeder');
    await q.query('DROP TABLE substation');
  }
}
