import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Limit-mode commands (grid.battery.commands.v2): a command may carry a station-flow limit and an SoC
 * reserve instead of a setpoint. Additive: existing rows stay as they are.
 */
export class DispatchLimitCommands1733000000002 implements MigrationInterface {
  name = 'DispatchLimitCommands1733000000002';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE dispatch_command DROP CONSTRAINT IF EXISTS dispatch_command_mode_check');
    await q.query(`
      ALTER TABLE dispatch_command
        ADD CONSTRAINT dispatch_command_mode_check CHECK (mode IN ('setpoint', 'limit', 'auto', 'idle')),
        ADD COLUMN station_limit_w integer NULL,
        ADD COLUMN soc_reserve_pct double precision NULL CHECK (soc_reserve_pct BETWEEN 0 AND 100)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query("DELETE FROM dispatch_command WHERE mode = 'limit'");
    await q.query(`
      ALTER TABLE dispatch_command
        DROP COLUMN soc_reserve_pct,
        DROP COLUMN station_limit_w,
        DROP CONSTRAINT dispatch_command_mode_check,
        ADD CONSTRAINT dispatch_command_mode_check CHECK (mode IN ('setpoint', 'auto', 'idle'))`);
  }
}
