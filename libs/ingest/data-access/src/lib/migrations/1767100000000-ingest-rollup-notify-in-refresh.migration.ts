import { MigrationInterface, QueryRunner } from 'typeorm';
import {
  createRollupNotifyTrigger,
  dropRollupNotifyTrigger,
} from './1730000000800-ingest-rollup-notify.migration';

/**
 * Native mode: the announcement of rewritten rollups moves from a trigger into the refresh. The
 * statement-level trigger of IngestRollupNotify1730000000800 materialised every written rollup row in a
 * transition table only to take its minimum; the refresh knows that minimum already (its first claimed
 * hour) and sends the same notification (`ROLLUP_CHANGED_CHANNEL`, NOTIFY_ROLLUP_CHANGED_SQL) in its own
 * transaction, so listeners still hear of it at commit. Down restores the trigger.
 */
export class IngestRollupNotifyInRefresh1767100000000 implements MigrationInterface {
  name = 'IngestRollupNotifyInRefresh1767100000000';

  async up(q: QueryRunner): Promise<void> {
    await dropRollupNotifyTrigger(q);
  }

  async down(q: QueryRunner): Promise<void> {
    const [row] = (await q.query(`SELECT to_regclass('rollup_load') IS NOT NULL AS native`)) as {
      native: boolean;
    }[];
    if (row?.native === true) await createRollupNotifyTrigger(q);
  }
}
