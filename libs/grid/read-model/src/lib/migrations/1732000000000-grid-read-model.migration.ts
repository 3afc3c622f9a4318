import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * grid-api's own tables. Facts from other services arrive through their topics (battery telemetry and
 * commands, forecasts, settlement batches) and are kept here; load is read from ingest's published views.
 */
export class GridReadModel1732000000000 implements MigrationInterface {
  name = 'GridReadModel1732000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE grid_alarm (
        id text PRIMARY KEY,
        code text NOT NULL,
        node_id text NOT NULL,
        node_kind text NOT NULL,
        state text NOT NULL CHECK (state IN ('unacknowledged', 'acknowledged', 'rtn-unacknowledged', 'cleared', 'shelved', 'out-of-service')),
        severity text NOT NULL CHECK (severity IN ('info', 'warning', 'critical')),
        raised_at timestamptz NOT NULL,
        changed_at timestamptz NOT NULL,
        shelved_until timestamptz NULL,
        version integer NOT NULL CHECK (version >= 1),
        doc jsonb NOT NULL
      )`);
    // one open occurrence per (rule, node): the engine's invariant, enforced
    await q.query(
      `CREATE UNIQUE INDEX grid_alarm_open_key ON grid_alarm (code, node_id) WHERE state <> 'cleared'`,
    );
    await q.query('CREATE INDEX grid_alarm_node_idx ON grid_alarm (node_id, changed_at DESC)');
    await q.query('CREATE INDEX grid_alarm_raised_idx ON grid_alarm (raised_at DESC)');
    await q.query(`CREATE INDEX grid_alarm_state_idx ON grid_alarm (state) WHERE state <> 'cleared'`);

    await q.query(`
      CREATE TABLE grid_audit_log (
        id bigserial PRIMARY KEY,
        at timestamptz NOT NULL DEFAULT clock_timestamp(),
        actor_sub text NOT NULL,
        actor_name text NOT NULL,
        action text NOT NULL,
        alarm_id text NULL,
        target text NULL,
        reason text NULL,
        detail jsonb NOT NULL DEFAULT '{}'::jsonb
      )`);
    await q.query(
      'CREATE INDEX grid_audit_log_alarm_idx ON grid_audit_log (alarm_id, id) WHERE alarm_id IS NOT NULL',
    );
    await q.query('CREATE INDEX grid_audit_log_at_idx ON grid_audit_log (at)');
    // Append-only, enforced by the database for every role (also the owner): no UPDATE, DELETE or TRUNCATE.
    await q.query(`
      CREATE FUNCTION grid_audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'grid_audit_log is append-only (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
      END $$`);
    await q.query(`
      CREATE TRIGGER grid_audit_log_no_change BEFORE UPDATE OR DELETE ON grid_audit_log
      FOR EACH ROW EXECUTE FUNCTION grid_audit_log_append_only()`);
    await q.query(`
      CREATE TRIGGER grid_audit_log_no_truncate BEFORE TRUNCATE ON grid_audit_log
      FOR EACH STATEMENT EXECUTE FUNCTION grid_audit_log_append_only()`);
    await q.query('REVOKE UPDATE, DELETE, TRUNCATE ON grid_audit_log FROM PUBLIC');

    await q.query(`
      CREATE TABLE grid_threshold (
        node_id text PRIMARY KEY,
        overrides jsonb NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now(),
        updated_by text NOT NULL
      )`);
    await q.query(`
      CREATE TABLE grid_user_perimeter (
        sub text PRIMARY KEY,
        substation_ids text[] NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now(),
        updated_by text NOT NULL
      )`);
    await q.query(`
      CREATE TABLE grid_battery_state (
        asset_id text PRIMARY KEY,
        observed_at timestamptz NULL,
        soc_pct real NULL,
        power_w integer NULL,
        usable_capacity_wh bigint NULL,
        soh_pct real NULL,
        temperature_c real NULL,
        mode text NULL,
        command_id text NULL,
        command_issued_at timestamptz NULL,
        command_mode text NULL,
        command_setpoint_w integer NULL,
        command_valid_from timestamptz NULL,
        command_valid_until timestamptz NULL,
        command_reason text NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    // the latest issued value per (series, horizon, target): bounded size, "what was forecast last"
    await q.query(`
      CREATE TABLE grid_forecast_point (
        series_id text NOT NULL,
        horizon text NOT NULL,
        target_start timestamptz NOT NULL,
        step_minutes integer NOT NULL,
        issue_time timestamptz NOT NULL,
        model_version text NOT NULL,
        p10_wh bigint NOT NULL,
        p50_wh bigint NOT NULL,
        p90_wh bigint NOT NULL,
        PRIMARY KEY (series_id, horizon, target_start)
      )`);
    await q.query(`
      CREATE TABLE grid_settlement_batch (
        batch_id text PRIMARY KEY,
        community_id text NOT NULL,
        interval_start timestamptz NOT NULL,
        interval_end timestamptz NOT NULL,
        transaction_count integer NOT NULL,
        total_energy_wh bigint NOT NULL,
        total_amount_ct bigint NOT NULL,
        merkle_root text NOT NULL,
        chain_id bigint NOT NULL,
        contract_address text NOT NULL,
        tx_hash text NOT NULL,
        block_number bigint NOT NULL,
        committed_at timestamptz NOT NULL,
        received_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(
      'CREATE INDEX grid_settlement_batch_community_idx ON grid_settlement_batch (community_id, interval_start)',
    );
    await q.query(
      'CREATE INDEX grid_settlement_batch_interval_idx ON grid_settlement_batch (interval_start)',
    );

    await q.query(`
      CREATE TABLE grid_stream_event (
        id bigserial PRIMARY KEY,
        type text NOT NULL CHECK (type IN ('load', 'battery', 'alarm')),
        payload jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query('CREATE INDEX grid_stream_event_created_idx ON grid_stream_event (created_at)');

    await q.query(`
      CREATE TABLE grid_outbox (
        id bigserial PRIMARY KEY,
        topic text NOT NULL,
        key text NOT NULL,
        payload jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        published_at timestamptz NULL
      )`);
    await q.query('CREATE INDEX grid_outbox_pending_idx ON grid_outbox (id) WHERE published_at IS NULL');
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of [
      'grid_outbox',
      'grid_stream_event',
      'grid_settlement_batch',
      'grid_forecast_point',
      'grid_battery_state',
      'grid_user_perimeter',
      'grid_threshold',
      'grid_audit_log',
      'grid_alarm',
    ])
      await q.query(`DROP TABLE ${t}`);
    await q.query('DROP FUNCTION grid_audit_log_append_only()');
  }
}
