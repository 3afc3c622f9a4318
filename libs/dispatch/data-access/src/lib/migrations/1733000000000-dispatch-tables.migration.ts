import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Dispatch-owned tables (the topology tables are shared and read only):
 * - `dispatch_battery_state`: latest telemetry per battery (survives a restart of the service);
 * - `dispatch_forecast`: latest forecast issue per series (per series and horizon since 1733000000003);
 * - `dispatch_plan`: every plan (or fallback decision) with why it was made, for the operators' view;
 * - `dispatch_command`: every command sent, keyed by its stable id (a restart never sends one twice).
 */
export class DispatchTables1733000000000 implements MigrationInterface {
  name = 'DispatchTables1733000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE dispatch_battery_state (
        asset_id text PRIMARY KEY,
        time timestamptz NOT NULL,
        telemetry jsonb NOT NULL,
        received_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE dispatch_forecast (
        series_id text PRIMARY KEY,
        horizon text NOT NULL,
        issue_time timestamptz NOT NULL,
        model_version text NOT NULL,
        points jsonb NOT NULL,
        received_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE dispatch_plan (
        id text PRIMARY KEY,
        scope_id text NOT NULL,
        cycle_start timestamptz NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        status text NOT NULL CHECK (status IN ('optimal', 'fallback')),
        reason text NOT NULL,
        horizon_steps integer NOT NULL CHECK (horizon_steps >= 0),
        solve_ms integer NOT NULL CHECK (solve_ms >= 0),
        objective_ct double precision NULL,
        explanation jsonb NOT NULL,
        UNIQUE (scope_id, cycle_start)
      )`);
    await q.query('CREATE INDEX dispatch_plan_cycle_idx ON dispatch_plan (cycle_start DESC)');
    await q.query(`
      CREATE TABLE dispatch_command (
        command_id text PRIMARY KEY,
        asset_id text NOT NULL,
        plan_id text NOT NULL REFERENCES dispatch_plan (id) ON DELETE CASCADE,
        issued_at timestamptz NOT NULL,
        valid_from timestamptz NOT NULL,
        valid_until timestamptz NOT NULL CHECK (valid_until > valid_from),
        mode text NOT NULL CHECK (mode IN ('setpoint', 'auto', 'idle')),
        setpoint_w integer NULL,
        reason text NOT NULL,
        sent_at timestamptz NULL
      )`);
    await q.query('CREATE INDEX dispatch_command_asset_idx ON dispatch_command (asset_id, valid_from DESC)');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE dispatch_command');
    await q.query('DROP TABLE dispatch_plan');
    await q.query('DROP TABLE dispatch_forecast');
    await q.query('DROP TABLE dispatch_battery_state');
  }
}
