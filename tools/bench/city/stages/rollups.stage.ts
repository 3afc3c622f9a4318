import type { CityContext, CityQuarter, CityStage } from './stage';
import { until } from './stage';

/** → rollups: every level's 15-minute bucket of the quarter counts every meter. */
export function rollupsStage(): CityStage {
  let ctx: CityContext | undefined;
  return {
    name: 'rollups',
    key: 'toRollupsSeconds',
    setup(c: CityContext) {
      ctx = c;
      return Promise.resolve();
    },
    awaitQuarter: (q: CityQuarter) => {
      const c = ctx as CityContext;
      return until(`rollups of ${q.intervalStart.toISOString()}`, async () => {
        const r = await c.pool.query<{ levels: number; complete: boolean }>(
          `SELECT count(DISTINCT level)::int AS levels, bool_and(meters) AS complete
             FROM (SELECT level, sum(meters_reporting) = $2 AS meters FROM rollup_load
                    WHERE bucket_width = '15m' AND bucket_start = $1 GROUP BY level) x`,
          [q.intervalStart, c.topology.meteringPoints.length],
        );
        return r.rows[0]?.levels === 3 && r.rows[0].complete === true;
      });
    },
  };
}
