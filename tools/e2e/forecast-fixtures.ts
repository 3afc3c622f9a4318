/**
 * Test and benchmark fixtures for the forecast jobs: a realistic synthetic feeder load (Wh per quarter
 * hour) and a way to put it where ingest publishes it — the native-mode `rollup_load` table behind the
 * `load_15m_*` views (created by INGEST_MIGRATIONS). Writing rollups directly keeps set-up fast; the
 * rollup computation itself is the ingest lib's business and tested there.
 */
import type { Pool } from 'pg';
import { mulberry32 } from '@gridwerk/forecast/domain';
import { detectStorageMode } from '@gridwerk/ingest/data-access';
import { isPublicHoliday, localDate } from '@gridwerk/shared/util-calendar';

const QH = 900_000;

const gauss = (x: number, mu: number, s: number): number => Math.exp(-0.5 * ((x - mu) / s) ** 2);

/**
 * Net load of a feeder with `households` households, Wh per 15 min from `startMs`: a local-time daily
 * double peak, weekday/weekend/holiday shapes, a persistent day-level weather factor (AR(1)) that also
 * drives PV feed-in at noon (net load may go negative), and AR(1) noise per step.
 */
export function syntheticFeederLoadWh(opts: {
  startMs: number;
  days: number;
  seed: number;
  households?: number;
}): Float64Array {
  const n = Math.round((opts.days * 86_400_000) / QH);
  const r = mulberry32(opts.seed);
  const normal = (): number => Math.sqrt(-2 * Math.log(Math.max(r(), 1e-12))) * Math.cos(2 * Math.PI * r());
  const hh = opts.households ?? 300;
  const out = new Float64Array(n);
  let dayKey = -1;
  let level = 0;
  let sun = 0.5;
  let e = 0;
  for (let i = 0; i < n; i++) {
    const t = opts.startMs + i * QH;
    const l = localDate(t);
    const key = l.year * 400 + l.month * 32 + l.day;
    if (key !== dayKey) {
      dayKey = key;
      level = 0.75 * level + 0.05 * normal();
      sun = Math.min(1, Math.max(0, 0.6 * sun + 0.4 * r()));
    }
    const h = l.minuteOfDay / 60;
    const off = l.weekday >= 6 || isPublicHoliday(l.year, l.month, l.day);
    const shape = off
      ? 0.5 + 0.3 * gauss(h, 10, 2) + 0.25 * gauss(h, 13, 1.5) + 0.5 * gauss(h, 19.5, 2.2)
      : 0.45 +
        0.3 * gauss(h, 7, 1) +
        0.12 * gauss(h, 12.5, 1.5) +
        0.55 * gauss(h, 19.3, 2) +
        0.15 * (h > 8 && h < 17 ? 1 : 0);
    const pv = 0.6 * sun * Math.max(0, Math.cos(((h - 13) / 7) * (Math.PI / 2)));
    e = 0.7 * e + 0.03 * normal();
    const kw = hh * 1.1 * (shape * (1 + level) - pv + e);
    out[i] = Math.round(kw * 250);
  }
  return out;
}

/** Writes a 15-minute series of one node into the rollups (native mode), in chunks. */
export async function insertRollups(
  pool: Pool,
  level: 'feeder' | 'substation',
  nodeId: string,
  startMs: number,
  valuesWh: Float64Array,
): Promise<void> {
  const chunk = 50_000;
  for (let a = 0; a < valuesWh.length; a += chunk) {
    const times: string[] = [];
    const imp: number[] = [];
    const exp: number[] = [];
    for (let i = a; i < Math.min(valuesWh.length, a + chunk); i++) {
      const v = valuesWh[i] ?? 0;
      times.push(new Date(startMs + i * QH).toISOString());
      imp.push(Math.max(0, v));
      exp.push(Math.max(0, -v));
    }
    await pool.query(
      `INSERT INTO rollup_load (level, bucket_width, node_id, bucket_start, import_wh, export_wh, meters_reporting)
       SELECT $1, '15m', $2, t, i, e, 100 FROM unnest($3::timestamptz[], $4::bigint[], $5::bigint[]) AS u(t, i, e)`,
      [level, nodeId, times, imp, exp],
    );
  }
}

/** The fixtures write the native-mode table; say so clearly if the server has TimescaleDB instead. */
export async function assertNativeRollups(pool: Pool): Promise<void> {
  const mode = await detectStorageMode(pool);
  if (mode !== 'native-partitioning')
    throw new Error(
      `forecast fixtures need native-partitioning rollups (rollup_load), the database uses ${mode}`,
    );
}
