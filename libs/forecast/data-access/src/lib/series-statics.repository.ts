import type { Pool } from 'pg';
import { type SeriesStatics } from '@gridwerk/forecast/domain';
import { type SeriesRef } from './series-id';

const QH_PER_HOUR = 4;

interface StaticsRow {
  node_id: string;
  rated_kva: number | null;
  annual_wh: number;
  pv_peak_w: number;
  h25: number;
  g25: number;
  l25: number;
  p25: number;
  s25: number;
}

/**
 * Static series features of the global model from the grid topology (tables `secondary_substation`,
 * `feeder`, `meter_point`, read only): the metering points' annual consumption per BDEW profile, their PV
 * peak power and the station's rating, per secondary substation, feeder (sum of its stations' ratings)
 * and substation. The topology records no heat pumps: `heatPumpShare` stays unset. Series without topology
 * (grid, custom, or a database without the topology tables) get no statics (the model's `static_known` = 0).
 */
export class SeriesStaticsRepository {
  constructor(private readonly db: Pool) {}

  async load(
    refs: readonly SeriesRef[],
  ): Promise<{ statics: Map<string, SeriesStatics>; topology: boolean }> {
    const out = new Map<string, SeriesStatics>();
    const check = await this.db.query<{ ok: boolean }>(
      `SELECT to_regclass('meter_point') IS NOT NULL AND to_regclass('secondary_substation') IS NOT NULL AS ok`,
    );
    if (check.rows[0]?.ok !== true) return { statics: out, topology: false };
    const byKind = {
      'secondary-substation': { key: 'ss.id', ids: [] as string[] },
      feeder: { key: 'ss.feeder_id', ids: [] as string[] },
      substation: { key: 'f.substation_id', ids: [] as string[] },
    };
    for (const r of refs)
      if (r.kind === 'secondary-substation' || r.kind === 'feeder' || r.kind === 'substation')
        byKind[r.kind].ids.push(r.nodeId);
    for (const [kind, { key, ids }] of Object.entries(byKind)) {
      if (ids.length === 0) continue;
      const res = await this.db.query<StaticsRow>(
        `WITH st AS (
           SELECT ${key} AS node_id, ss.id AS ss_id, ss.rated_kva
             FROM secondary_substation ss JOIN feeder f ON f.id = ss.feeder_id
            WHERE ${key} = ANY($1::text[])
         ), m AS (
           SELECT st.node_id,
                  coalesce(sum(mp.annual_consumption_wh), 0)::float8 AS annual_wh,
                  coalesce(sum(mp.pv_peak_w), 0)::float8 AS pv_peak_w,
                  coalesce(sum(mp.annual_consumption_wh) FILTER (WHERE mp.profile = 'H25'), 0)::float8 AS h25,
                  coalesce(sum(mp.annual_consumption_wh) FILTER (WHERE mp.profile = 'G25'), 0)::float8 AS g25,
                  coalesce(sum(mp.annual_consumption_wh) FILTER (WHERE mp.profile = 'L25'), 0)::float8 AS l25,
                  coalesce(sum(mp.annual_consumption_wh) FILTER (WHERE mp.profile = 'P25'), 0)::float8 AS p25,
                  coalesce(sum(mp.annual_consumption_wh) FILTER (WHERE mp.profile = 'S25'), 0)::float8 AS s25
             FROM st JOIN meter_point mp ON mp.secondary_substation_id = st.ss_id
            GROUP BY st.node_id
         )
         SELECT r.node_id, r.rated_kva::float8 AS rated_kva, m.annual_wh, m.pv_peak_w, m.h25, m.g25, m.l25, m.p25, m.s25
           FROM (SELECT node_id, sum(rated_kva) AS rated_kva FROM st GROUP BY node_id) r
           JOIN m ON m.node_id = r.node_id`,
        [ids],
      );
      for (const row of res.rows) {
        const a = row.annual_wh;
        const share = (x: number) => (a > 0 ? Math.min(1, x / a) : 0);
        out.set(`${kind}:${row.node_id}`, {
          profileShares: {
            H25: share(row.h25),
            G25: share(row.g25),
            L25: share(row.l25),
            P25: share(row.p25),
            S25: share(row.s25),
          },
          // kWp per MWh/a of consumption
          pvShare: a > 0 ? Math.min(100, row.pv_peak_w / (a / 1000)) : 0,
          // Wh per quarter hour at rated power (cos φ = 1): the unit of the series
          ...(row.rated_kva === null ? {} : { rating: (row.rated_kva * 1000) / QH_PER_HOUR }),
        });
      }
    }
    return { statics: out, topology: true };
  }
}
