import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Settlement's own tables (plain PostgreSQL; nothing here needs TimescaleDB):
 * - community registry, versioned with effective-from and an audit log (who changed what);
 * - `settlement_reading`: settlement's copy of the readings per (meter, interval), every correction a new
 *   revision, never an update;
 * - intervals (open / closed, current version), their versions, allocations per member, transactions,
 *   batches (pending until confirmed on chain);
 * - `settlement_outbox`: events committed with the state they announce; a relay publishes them.
 */
export class SettlementTables1733000000000 implements MigrationInterface {
  name = 'SettlementTables1733000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE settlement_community (
        community_id text PRIMARY KEY,
        name text NOT NULL,
        party_salt text NOT NULL CHECK (party_salt ~ '^0x[0-9a-f]{64}$'),
        created_at timestamptz NOT NULL DEFAULT now(),
        created_by text NOT NULL
      )`);
    await q.query(`
      CREATE TABLE settlement_member_version (
        community_id text NOT NULL REFERENCES settlement_community,
        meter_point_id text NOT NULL,
        version integer NOT NULL CHECK (version >= 1),
        effective_from timestamptz NOT NULL,
        role text NULL CHECK (role IN ('generator', 'storage', 'consumer', 'prosumer')),
        changed_by text NOT NULL,
        changed_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (community_id, meter_point_id, version)
      )`);
    await q.query(
      'CREATE INDEX settlement_member_version_meter_idx ON settlement_member_version (meter_point_id)',
    );
    await q.query(`
      CREATE TABLE settlement_key_version (
        community_id text NOT NULL REFERENCES settlement_community,
        version integer NOT NULL CHECK (version >= 1),
        effective_from timestamptz NOT NULL,
        key jsonb NOT NULL,
        changed_by text NOT NULL,
        changed_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (community_id, version)
      )`);
    await q.query(`
      CREATE TABLE settlement_price_version (
        community_id text NOT NULL REFERENCES settlement_community,
        version integer NOT NULL CHECK (version >= 1),
        effective_from timestamptz NOT NULL,
        price_milli_ct_per_kwh bigint NOT NULL CHECK (price_milli_ct_per_kwh >= 0),
        changed_by text NOT NULL,
        changed_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (community_id, version)
      )`);
    await q.query(`
      CREATE TABLE settlement_audit (
        id bigserial PRIMARY KEY,
        at timestamptz NOT NULL DEFAULT now(),
        actor text NOT NULL,
        community_id text NOT NULL,
        entity text NOT NULL CHECK (entity IN ('community', 'member', 'key', 'price')),
        action text NOT NULL,
        detail jsonb NOT NULL
      )`);
    await q.query('CREATE INDEX settlement_audit_community_idx ON settlement_audit (community_id, id)');
    await q.query(`
      CREATE TABLE settlement_reading (
        meter_point_id text NOT NULL,
        interval_start timestamptz NOT NULL,
        revision integer NOT NULL CHECK (revision >= 1),
        import_wh bigint NOT NULL CHECK (import_wh >= 0),
        export_wh bigint NOT NULL CHECK (export_wh >= 0),
        quality text NOT NULL,
        event_id text NOT NULL,
        received_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (meter_point_id, interval_start, revision)
      )`);
    await q.query(`
      CREATE TABLE settlement_watermark (
        community_id text PRIMARY KEY REFERENCES settlement_community,
        watermark timestamptz NOT NULL
      )`);
    await q.query(`
      CREATE TABLE settlement_interval (
        community_id text NOT NULL REFERENCES settlement_community,
        interval_start timestamptz NOT NULL,
        state text NOT NULL CHECK (state IN ('open', 'closed')),
        version integer NOT NULL DEFAULT 0,
        needs_resettlement boolean NOT NULL DEFAULT false,
        closed_at timestamptz NULL,
        PRIMARY KEY (community_id, interval_start)
      )`);
    await q.query(
      "CREATE INDEX settlement_interval_open_idx ON settlement_interval (community_id, interval_start) WHERE state = 'open'",
    );
    await q.query(
      'CREATE INDEX settlement_interval_resettle_idx ON settlement_interval (community_id, interval_start) WHERE needs_resettlement',
    );
    await q.query(`
      CREATE TABLE settlement_interval_version (
        community_id text NOT NULL,
        interval_start timestamptz NOT NULL,
        version integer NOT NULL CHECK (version >= 1),
        reason text NOT NULL CHECK (reason IN ('close', 'correction')),
        rule text NOT NULL,
        price_milli_ct_per_kwh bigint NOT NULL,
        generation_wh bigint NOT NULL,
        consumption_wh bigint NOT NULL,
        allocated_wh bigint NOT NULL,
        rounding_remainder_micro_ct bigint NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (community_id, interval_start, version),
        FOREIGN KEY (community_id, interval_start) REFERENCES settlement_interval
      )`);
    await q.query(`
      CREATE TABLE settlement_allocation (
        community_id text NOT NULL,
        interval_start timestamptz NOT NULL,
        version integer NOT NULL,
        meter_point_id text NOT NULL,
        role text NOT NULL,
        consumption_wh bigint NOT NULL,
        generation_wh bigint NOT NULL,
        community_supply_wh bigint NOT NULL,
        residual_supply_wh bigint NOT NULL,
        sold_wh bigint NOT NULL,
        surplus_wh bigint NOT NULL,
        paid_ct bigint NOT NULL,
        received_ct bigint NOT NULL,
        substituted boolean NOT NULL,
        PRIMARY KEY (community_id, interval_start, version, meter_point_id),
        FOREIGN KEY (community_id, interval_start, version) REFERENCES settlement_interval_version,
        CHECK (community_supply_wh + residual_supply_wh = consumption_wh),
        CHECK (sold_wh + surplus_wh = generation_wh)
      )`);
    await q.query(`
      CREATE TABLE settlement_transaction (
        transaction_id text PRIMARY KEY,
        community_id text NOT NULL,
        interval_start timestamptz NOT NULL,
        version integer NOT NULL,
        seller_id text NOT NULL,
        buyer_id text NOT NULL,
        energy_wh bigint NOT NULL CHECK (energy_wh > 0),
        price_milli_ct_per_kwh bigint NOT NULL CHECK (price_milli_ct_per_kwh >= 0),
        amount_ct bigint NOT NULL CHECK (amount_ct >= 0),
        kind text NOT NULL CHECK (kind IN ('allocation', 'grid-import', 'grid-export', 'adjustment')),
        direction text NOT NULL CHECK (direction IN ('delivery', 'reversal')),
        rule text NOT NULL,
        adjusts_transaction_id text NULL REFERENCES settlement_transaction,
        created_at timestamptz NOT NULL DEFAULT now(),
        FOREIGN KEY (community_id, interval_start, version) REFERENCES settlement_interval_version,
        CHECK ((kind = 'adjustment') = (adjusts_transaction_id IS NOT NULL)),
        CHECK (direction = 'delivery' OR kind = 'adjustment')
      )`);
    await q.query(
      'CREATE INDEX settlement_transaction_interval_idx ON settlement_transaction (community_id, interval_start, version)',
    );
    // A delivery is reversed at most once.
    await q.query(
      'CREATE UNIQUE INDEX settlement_transaction_reversal_uq ON settlement_transaction (adjusts_transaction_id) WHERE adjusts_transaction_id IS NOT NULL',
    );
    await q.query(`
      CREATE TABLE settlement_batch (
        community_id text NOT NULL,
        interval_start timestamptz NOT NULL,
        version integer NOT NULL,
        batch_id text NOT NULL UNIQUE,
        merkle_root text NOT NULL,
        transaction_count integer NOT NULL CHECK (transaction_count > 0),
        total_energy_wh bigint NOT NULL,
        total_amount_ct bigint NOT NULL,
        state text NOT NULL CHECK (state IN ('pending', 'committed')),
        chain_id integer NULL,
        contract_address text NULL,
        tx_hash text NULL,
        block_number bigint NULL,
        gas_used bigint NULL,
        committed_at timestamptz NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (community_id, interval_start, version),
        FOREIGN KEY (community_id, interval_start, version) REFERENCES settlement_interval_version
      )`);
    await q.query(
      "CREATE INDEX settlement_batch_pending_idx ON settlement_batch (interval_start, community_id, version) WHERE state = 'pending'",
    );
    await q.query(`
      CREATE TABLE settlement_outbox (
        id bigserial PRIMARY KEY,
        event_id text NOT NULL UNIQUE,
        topic text NOT NULL,
        key text NOT NULL,
        payload jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        published_at timestamptz NULL
      )`);
    await q.query(
      'CREATE INDEX settlement_outbox_unpublished_idx ON settlement_outbox (id) WHERE published_at IS NULL',
    );
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of [
      'settlement_outbox',
      'settlement_batch',
      'settlement_transaction',
      'settlement_allocation',
      'settlement_interval_version',
      'settlement_interval',
      'settlement_watermark',
      'settlement_reading',
      'settlement_audit',
      'settlement_price_version',
      'settlement_key_version',
      'settlement_member_version',
      'settlement_community',
    ]) {
      await q.query(`DROP TABLE ${t}`);
    }
  }
}
