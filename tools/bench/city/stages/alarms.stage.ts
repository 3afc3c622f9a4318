import type { ServiceProcess } from '../../../e2e/service-process';
import { gridApi } from './grid-api.service';
import type { CityContext, CityQuarter, CityStage } from './stage';
import { metricValue, until } from './stage';

/**
 * → alarms evaluated: grid-api's alarm engine judged every station's loading for the quarter (from ingest's
 * station rollups, on the rollup notification): its gauge `gridwerk_grid_api_alarm_quarter_complete_seconds`
 * reached the quarter's start. Also reports what the engine's passes cost.
 */
export function alarmsStage(): CityStage {
  let api: ServiceProcess | undefined;
  let last = '';
  return {
    name: 'alarms evaluated',
    key: 'toAlarmsEvaluatedSeconds',
    async setup(ctx: CityContext) {
      api = await gridApi(ctx);
      // grid-api loads the city's topology after it answers /health: wait until its engine knows it
      await until(
        'grid-api topology loaded',
        async () => (await api?.health())?.status === 200,
        180_000,
        500,
      );
    },
    awaitQuarter: (q: CityQuarter) =>
      until(
        `alarms of ${q.intervalStart.toISOString()} evaluated`,
        async () => {
          last = await (api as ServiceProcess).metrics().catch(() => '');
          const done = metricValue(last, 'gridwerk_grid_api_alarm_quarter_complete_seconds');
          return done !== undefined && done >= q.intervalStart.getTime() / 1000;
        },
        600_000,
        200,
      ),
    details() {
      const sum = (n: string) => metricValue(last, n);
      return {
        stationsJudged: sum('gridwerk_grid_api_alarm_stations_judged_total') ?? null,
        quarterPasses: sum('gridwerk_grid_api_alarm_quarter_eval_seconds_count') ?? null,
        quarterPassSecondsTotal: sum('gridwerk_grid_api_alarm_quarter_eval_seconds_sum') ?? null,
        ticks: sum('gridwerk_grid_api_alarm_eval_seconds_count') ?? null,
        tickSecondsTotal: sum('gridwerk_grid_api_alarm_eval_seconds_sum') ?? null,
      };
    },
  };
}
