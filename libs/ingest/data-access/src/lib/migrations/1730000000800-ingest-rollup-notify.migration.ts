import { MigrationInterface, QueryRunner } from 'typeorm';

import { ROLLUP_CHANGED_CHANNEL } from '../load-rollup.sql';

/**
 * Native mode: every statement that writes `rollup_load` announced, at its commit, the earliest quarter
 * hour it wrote on the channel `rollup_load_changed` (payload: an ISO instant), for readers that LISTEN
 * (the udp-gateway's MQTT relay). Superseded by IngestRollupNotifyInRefresh1767100000000: the trigger's
 * transition table cost the ingest path ~5 % of its rate, so the refresh itself now notifies. Kept, as
 * migrations are never rewritten; its trigger is created here and dropped by the later migration.
 */
export class IngestRollupNotify1730000000800 implements MigrationInterface {
  name = 'IngestRollupNotify1730000000800';

  async up(q: QueryRunner): Promise<void> {
    const [row] = (await q.query(`SELECT to_regclass('rollup_load') IS NOT NULL AS native`)) as {
      native: boolean;
    }[];
    if (row?.native !== true) return;
    await createRollupNotifyTrigger(q);
  }

  async down(q: QueryRunner): Promise<void> {
    await dropRollupNotifyTrigger(q);
  }
}

export async function createRollupNotifyTrigger(q: QueryRunner): Promise<void> {
  await q.query(`
      CREATE FUNCTION ingest_rollup_load_notify() RETURNS trigger LANGUAGE plpgsql AS $fn$
      DECLARE v_first timestamptz;
      BEGIN
        SELECT min(bucket_start) INTO v_first FROM new_rows;
        IF v_first IS NOT NULL THEN
          PERFORM pg_notify('${ROLLUP_CHANGED_CHANNEL}', to_char(v_first AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'));
        END IF;
        RETURN NULL;
      END $fn$`);
  // one trigger per event: a trigger with a transition table may have only one
  for (const event of ['INSERT', 'UPDATE'])
    await q.query(`
        CREATE TRIGGER rollup_load_notify_${event.toLowerCase()} AFTER ${event} ON rollup_load
        REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION ingest_rollup_load_notify()`);
}

export async function dropRollupNotifyTrigger(q: QueryRunner): Promise<void> {
  await q.query('DROP TRIGGER IF EXISTS rollup_load_notify_insert ON rollup_load');
  await q.query('DROP TRIGGER IF EXISTS rollup_load_notify_update ON rollup_load');
  await q.query('DROP FUNCTION IF EXISTS ingest_rollup_load_notify()');
}
