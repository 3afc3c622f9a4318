/**
 * Synthetic feeder-level load for tests and benchmarks: an aggregate of many households plus a little
 * commerce, with a daily double peak, weekday/Saturday/Sunday shapes, Saxon holidays and bridge days,
 * DST-correct local time, seasonal drift (lighting, electric heating driven by temperature), PV feed-in
 * under unknown cloudiness (net load can go negative), AR(1) noise, and temperature as an exogenous
 * column. Not exported from the library's public entry point.
 */
import {
  berlinOffsetMinutes,
  dayOfYear,
  isBridgeDay,
  isPublicHoliday,
  localDate,
} from '@gridwerk/shared/util-calendar';
import { mulberry32 } from '../model';
import { type LoadSeries, type StepMs, STEP_15_MIN_MS } from '../series';

export interface SyntheticLoadOptions {
  startIso: string;
  days: number;
  stepMs?: StepMs;
  households?: number;
  /** Installed PV in kWp; default 0.5 kW per household. */
  pvKwp?: number;
  seed?: number;
  /** Share of slots set to NaN (random single gaps). */
  gapShare?: number;
}

const gauss = (x: number, mu: number, sigma: number): number => Math.exp(-0.5 * ((x - mu) / sigma) ** 2);

/** Household load shape in kW per household by local hour and day kind. */
function householdShape(hour: number, kind: 'work' | 'sat' | 'sun', sunsetHour: number): number {
  const lighting = 0.12 * gauss(hour, sunsetHour + 1.5, 1.6);
  if (kind === 'work') {
    return (
      0.18 +
      0.22 * gauss(hour, 6.9, 0.9) +
      0.08 * gauss(hour, 12.5, 1.5) +
      0.36 * gauss(hour, 19.3, 2.0) +
      lighting -
      0.06 * gauss(hour, 3.5, 1.5)
    );
  }
  if (kind === 'sat') {
    return (
      0.19 +
      0.24 * gauss(hour, 9.2, 1.6) +
      0.16 * gauss(hour, 13, 1.8) +
      0.33 * gauss(hour, 19.5, 2.2) +
      lighting -
      0.06 * gauss(hour, 4, 1.5)
    );
  }
  return (
    0.19 +
    0.2 * gauss(hour, 10, 1.6) +
    0.24 * gauss(hour, 12.6, 1.4) +
    0.34 * gauss(hour, 19, 2.2) +
    lighting -
    0.06 * gauss(hour, 4.5, 1.5)
  );
}

/** Small commerce: a working-hours block (per household equivalent). */
function commerceShape(hour: number, kind: 'work' | 'sat' | 'sun', bridge: boolean): number {
  const open = hour >= 7.5 && hour < 18 ? 1 : hour >= 6.5 && hour < 19 ? 0.5 : 0;
  if (kind === 'work') return 0.03 + (bridge ? 0.06 : 0.12) * open;
  if (kind === 'sat') return 0.03 + 0.05 * (hour >= 8 && hour < 14 ? 1 : 0);
  return 0.03;
}

export function syntheticFeederLoad(options: SyntheticLoadOptions): LoadSeries {
  const stepMs = options.stepMs ?? STEP_15_MIN_MS;
  const households = options.households ?? 400;
  const pvKwp = options.pvKwp ?? households * 0.5;
  const rng = mulberry32(options.seed ?? 7);
  const normal = (): number => {
    const u = Math.max(rng(), 1e-12);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng());
  };
  const startMs = Date.parse(options.startIso);
  const n = Math.round((options.days * 86_400_000) / stepMs);
  const values = new Float64Array(n);
  const temperature = new Float64Array(n);

  // Day-level weather states (temperature anomaly, cloudiness) as AR(1) processes, interpolated in time.
  const nDays = options.days + 2;
  const tempAnomaly: number[] = [];
  const cloud: number[] = [];
  let ta = 0;
  let cl = 0.5;
  for (let d = 0; d < nDays; d++) {
    ta = 0.8 * ta + 1.8 * normal();
    cl = Math.min(1, Math.max(0, 0.5 * cl + 0.25 + 0.3 * normal()));
    tempAnomaly.push(ta);
    cloud.push(cl);
  }
  let noise = 0;
  let cloudFast = 0;
  const stepsPerHour = 3_600_000 / stepMs;
  for (let i = 0; i < n; i++) {
    const t = startMs + i * stepMs;
    const l = localDate(t);
    const hour = l.minuteOfDay / 60;
    const doy = dayOfYear(l.year, l.month, l.day);
    const dayPos = (t - startMs) / 86_400_000;
    const d0 = Math.floor(dayPos);
    const w = dayPos - d0;
    const anomaly = (tempAnomaly[d0] ?? 0) * (1 - w) + (tempAnomaly[d0 + 1] ?? 0) * w;
    const seasonalMean = 9.5 - 9.5 * Math.cos((2 * Math.PI * (doy - 15)) / 365);
    const temp = seasonalMean + anomaly + 4 * Math.sin((2 * Math.PI * (hour - 9)) / 24);
    temperature[i] = Math.round(temp * 10) / 10;

    const holiday = isPublicHoliday(l.year, l.month, l.day);
    const kind = l.weekday === 7 || holiday ? 'sun' : l.weekday === 6 ? 'sat' : 'work';
    const bridge = isBridgeDay(l.year, l.month, l.day);
    const dayLength = 12.2 - 4.2 * Math.cos((2 * Math.PI * (doy + 10)) / 365);
    // Leipzig (12.4° E): solar noon about 12:10 CET, 13:10 CEST.
    const solarNoon = berlinOffsetMinutes(t) === 120 ? 13.2 : 12.2;
    const sunset = solarNoon + dayLength / 2;
    const heating =
      0.018 * Math.max(0, 15 - temp) * (0.6 + 0.6 * gauss(hour, 7, 2) + 0.5 * gauss(hour, 19, 3));
    let load =
      households *
      (householdShape(hour, kind, sunset) * (bridge ? 1.04 : 1) +
        commerceShape(hour, kind, bridge) +
        heating);

    // PV: clear-sky bell between sunrise and sunset, reduced by cloudiness (daily + fast component).
    const x = (hour - solarNoon) / (dayLength / 2);
    const clearSky =
      Math.abs(x) < 1
        ? Math.cos((Math.PI / 2) * x) ** 1.5 * (0.55 + 0.45 * Math.sin((2 * Math.PI * (doy - 80)) / 365))
        : 0;
    cloudFast = 0.85 * cloudFast + 0.15 * normal();
    const c = Math.min(
      1,
      Math.max(0, (cloud[d0] ?? 0.5) * (1 - w) + (cloud[d0 + 1] ?? 0.5) * w + 0.3 * cloudFast),
    );
    load -= pvKwp * 0.8 * clearSky * (1 - 0.75 * c);

    noise = 0.9 * noise + Math.sqrt(1 - 0.81) * normal();
    load +=
      noise * 0.035 * households * 0.35 + 0.01 * households * 0.35 * normal() * Math.sqrt(stepsPerHour / 4);
    values[i] = Math.round(load * 100) / 100;
  }
  if (options.gapShare !== undefined && options.gapShare > 0) {
    for (let i = 0; i < n; i++) if (rng() < options.gapShare) values[i] = Number.NaN;
  }
  return { name: 'synthetic-feeder', unit: 'kW', startMs, stepMs, values, exogenous: { temperature } };
}

/** The series as CSV text (ISO timestamps with Z), for CLI tests. */
export function seriesToCsv(series: LoadSeries, target = 'load_kw', separator: ',' | ';' = ','): string {
  const exo = Object.keys(series.exogenous);
  const lines = [['timestamp', target, ...exo].join(separator)];
  series.values.forEach((v, i) => {
    const t = new Date(series.startMs + i * series.stepMs).toISOString();
    lines.push(
      [t, Number.isNaN(v) ? '' : String(v), ...exo.map((c) => String(series.exogenous[c]?.[i] ?? ''))].join(
        separator,
      ),
    );
  });
  return `${lines.join('\n')}\n`;
}
