import { fetchPasswordGrantToken, testOidcProvider } from '@gridwerk/shared/auth';
import type { ServiceProcess } from '../../../e2e/service-process';
import { openStream, type ReceivedEvent } from '../../../e2e/sse-client';
import { gridApi } from './grid-api.service';
import type { CityContext, CityQuarter, CityStage } from './stage';
import { until } from './stage';

/**
 * → visible: the control room's overview shows the quarter. Subscribes to grid-api's SSE stream as the
 * dashboard does (a viewer's bearer token from Keycloak, `GET /api/v1/stream`) and waits until every
 * substation's latest `load` event carries the quarter's end as its data instant and the net power of the
 * quarter's readings (each meter's newest reading, as grid-api sums them; the bench sends no battery
 * telemetry), to the watt.
 */
export function visibleStage(): CityStage {
  let api: ServiceProcess | undefined;
  let stream: { close(): Promise<void> } | undefined;
  const latest = new Map<string, { powerW: number; observedAt: string }>();
  const meterW = new Map<string, number>();
  let substationOfMeter = new Map<string, string>();
  let substations: string[] = [];
  const expected = new Map<number, Map<string, number>>();
  let events = 0;
  return {
    name: 'visible',
    key: 'toVisibleSeconds',
    async setup(ctx: CityContext) {
      api = await gridApi(ctx);
      const subOfFeeder = new Map(ctx.topology.feeders.map((f) => [f.feederId, f.substationId]));
      const subOfStation = new Map(
        ctx.topology.secondarySubstations.map((s) => [
          s.secondarySubstationId,
          subOfFeeder.get(s.feederId) ?? '',
        ]),
      );
      substationOfMeter = new Map(
        ctx.topology.meteringPoints.map((m) => [
          m.meterPointId,
          subOfStation.get(m.secondarySubstationId) ?? '',
        ]),
      );
      substations = ctx.topology.substations.map((s) => s.substationId);
      const token = await fetchPasswordGrantToken(testOidcProvider(), 'viewer');
      stream = await openStream(`http://127.0.0.1:${api.port}/api/v1/stream`, token, (e: ReceivedEvent) => {
        events++;
        if (e.event !== 'load' || e.data['nodeKind'] !== 'substation') return;
        latest.set(String(e.data['nodeId']), {
          powerW: Number(e.data['powerW']),
          observedAt: String(e.data['observedAt']),
        });
      });
    },
    beforeBurst(q: CityQuarter) {
      for (const r of q.readings) {
        const durS = (Date.parse(r.intervalEnd) - Date.parse(r.intervalStart)) / 1000;
        meterW.set(r.meterPointId, ((r.importWh - r.exportWh) * 3600) / durS);
      }
      const perSub = new Map<string, number>();
      for (const [m, w] of meterW) {
        const sub = substationOfMeter.get(m) ?? '';
        perSub.set(sub, (perSub.get(sub) ?? 0) + w);
      }
      expected.set(q.intervalStart.getTime(), perSub);
    },
    awaitQuarter: (q: CityQuarter) => {
      const end = new Date(q.intervalStart.getTime() + 900_000).toISOString();
      const want = expected.get(q.intervalStart.getTime()) ?? new Map<string, number>();
      return until(
        `overview of ${q.intervalStart.toISOString()} visible over SSE`,
        () =>
          Promise.resolve(
            substations.every((id) => {
              const v = latest.get(id);
              return (
                v !== undefined &&
                v.observedAt === end &&
                Math.abs(v.powerW - Math.round(want.get(id) ?? 0)) <= 1
              );
            }),
          ),
        600_000,
        50,
      );
    },
    details: () => ({ sseEvents: events, substations: substations.length }),
    async teardown() {
      await stream?.close().catch(() => undefined);
    },
  };
}
