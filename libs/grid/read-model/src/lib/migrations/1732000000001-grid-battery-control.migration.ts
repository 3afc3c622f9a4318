import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Limit-mode commands (grid.battery.commands.v2) and the control a battery reports (telemetry `control`):
 * the battery state keeps the command's station-flow limit and SoC reserve, and which control was in
 * effect at the last telemetry. Additive: existing rows keep NULL until the next event.
 */
export class GridBatteryControl1732000000001 implements MigrationInterface {
  name = 'GridBatteryControl1732000000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE grid_battery_state
        ADD COLUMN control text NULL,
        ADD COLUMN command_station_limit_w integer NULL,
        ADD COLUMN command_soc_reserve_pct real NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE grid_battery_state
        DROP COLUMN command_soc_reserve_pct,
        DROP COLUMN command_station_limit_w,
        DROP COLUMN control`);
  }
}
