/**
 * Test and benchmark fixtures for the forecast jobs: a realistic synthetic feeder load (Wh per quarter
 * hour) and a way to put it where ingest publishes it — the `load_15m_*` views (created by
 * INGEST_MIGRATIONS) — through the ingest writer and the rollup refresh, in whichever storage mode the
 * database has (native partitioning or TimescaleDB continuous aggregates).
 */
import crypto from 'node:crypto';
import type { Pool } from 'pg';
import { mulberry32 } from '@gridwerk/forecast/domain';
import {
  MeterReadingWriter,
  refreshRollupsNow,
  TopologyRepository,
  type ReadingRow,
} from '@gridwerk/ingest/data-access';
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

/**
 * Writes a feeder's 15-minute load as the readings of one synthetic meter, its only one (a substation, the
 * feeder and one secondary substation around it), through the ingest writer, so that the load reaches the
 * `load_*` views the way production data does, in either storage mode. Call `refreshFixtureRollups` once
 * all feeders are written: until then natively nothing, on TimescaleDB only the real-time part shows them.
 */
export async function writeFeederLoad(
  pool: Pool,
  feederId: string,
  startMs: number,
  valuesWh: Float64Array,
): Promise<void> {
  const substationId = `${feederId}-UW`;
  const secondarySubstationId = `${feederId}-ONS`;
  const meterPointId = `DE${crypto.createHash('sha1').update(feederId).digest('hex').toUpperCase().slice(0, 31)}`;
  await new TopologyRepository(pool).upsertTopology({
    substations: [{ substationId, name: `Umspannwerk ${feederId}`, ratedMva: 40 }],
    feeders: [{ feederId, substationId, name: `Abgang ${feederId}` }],
    secondarySubstations: [{ secondarySubstationId, feederId, name: `ONS ${feederId}`, ratedKva: 630 }],
    meterPoints: [
      {
        meterPointId,
        secondarySubstationId,
        customerType: 'commerce',
        profile: 'G25',
        annualConsumptionWh: 1_000_000_000,
      },
    ],
  });
  const writer = new MeterReadingWriter(pool);
  const chunk = 10_000;
  let registerImportWh = 0;
  let registerExportWh = 0;
  for (let a = 0; a < valuesWh.length; a += chunk) {
    const rows: ReadingRow[] = [];
    for (let i = a; i < Math.min(valuesWh.length, a + chunk); i++) {
      const v = valuesWh[i] ?? 0;
      const s = startMs + i * QH;
      const importWh = Math.max(0, v);
      const exportWh = Math.max(0, -v);
      registerImportWh += importWh;
      registerExportWh += exportWh;
      rows.push({
        eventId: `fixture-${feederId}-${s}`,
        meterPointId,
        intervalStart: new Date(s).toISOString(),
        intervalEnd: new Date(s + QH).toISOString(),
        resolution: 'PT15M',
        importWh,
        exportWh,
        registerImportWh,
        registerExportWh,
        quality: 'measured',
      });
    }
    await writer.writeReadings(rows);
  }
}

/**
 * Brings every rollup level up to date over [fromMs, toMs) after `writeFeederLoad`, in the database's
 * storage mode. The fixtures are dated (2025) beyond the raw retention, outside the window of TimescaleDB's
 * refresh job, hence the explicit window; callers pause that database's scheduled jobs (pauseTimescaleJobs),
 * so that no retention job drops the fixtures' raw chunks meanwhile.
 */
export async function refreshFixtureRollups(pool: Pool, fromMs: number, toMs: number): Promise<void> {
  await refreshRollupsNow(pool, { from: new Date(fromMs), to: new Date(toMs) });
}
