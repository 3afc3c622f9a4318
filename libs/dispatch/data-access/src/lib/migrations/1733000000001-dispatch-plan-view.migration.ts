import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `dispatch_plan_v1`: the view dispatch publishes for the control room (grid-api reads it, read only),
 * so that grid-api never depends on dispatch's tables. A published contract: columns are only ever
 * added; a change of meaning is a `dispatch_plan_v2` beside it.
 */
export class DispatchPlanView1733000000001 implements MigrationInterface {
  name = 'DispatchPlanView1733000000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE VIEW dispatch_plan_v1 AS
      SELECT p.id AS plan_id,
             p.scope_id AS feeder_id,
             p.cycle_start,
             p.created_at,
             p.status,
             p.reason,
             p.horizon_steps,
             p.solve_ms,
             p.objective_ct,
             p.explanation -> 'costBreakdownCt' AS cost_breakdown_ct,
             p.explanation -> 'sites' AS sites,
             p.explanation -> 'batteries' AS batteries,
             p.explanation -> 'fallback' AS fallback,
             p.explanation -> 'error' AS error
        FROM dispatch_plan p`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP VIEW dispatch_plan_v1');
  }
}
