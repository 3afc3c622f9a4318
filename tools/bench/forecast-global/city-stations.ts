import { type GlobalSeriesInput, type SeriesStatics, fnv1a } from '@gridwerk/forecast/domain';
import {
  ambientTemperatureC,
  CityWeather,
  deriveSeed,
  generateTopology,
  type GridTopology,
  type LoadProfileSet,
  normalAt,
  PROFILE_IDS,
  pvYieldWhPerWp,
  quarterHourShare,
} from '@gridwerk/simulator/domain';
import { localDate } from '@gridwerk/shared/util-calendar';

/*
 * Quarter-hour net load of every secondary substation of a simulated city, fast enough for thousands of
 * stations: per station, the annual consumption of its metering points per BDEW profile (the simulator's
 * topology) times the profiles' quarter-hour shares, with a per-station day level (AR(1)) and quarter-hour
 * noise; heat pumps (the topology has none: a share of 0–30 % of the consumption per station, seeded by
 * its id) driven by the temperature below 15 °C; minus the rooftop PV of its metering points under the
 * simulator's city weather (CityWeather, pvYieldWhPerWp). Everything that is the same for every station
 * (calendar, profile shares, weather) is computed once per quarter hour.
 *
 * Weather columns are forecasts, as in bench:forecast: `pv_forecast` = PV yield per kWp with a seeded
 * day-ahead error, `temperature` = the temperature + N(0, 0.8 K).
 */

const QH_MS = 900_000;
const DAY_MS = 86_400_000;
/** Mean of max(0, 15 °C − T) over a Leipzig year, K (normalises the heat-pump shape to annual energy). */
const MEAN_HEATING_DEGREES = 5.5;

export interface CityStations {
  topology: GridTopology;
  stations: GlobalSeriesInput[];
  startMs: number;
  days: number;
}

function stationStatics(
  topology: GridTopology,
): Map<string, { annualByProfile: Map<string, number>; pvPeakW: number; ratedKva: number }> {
  const out = new Map<string, { annualByProfile: Map<string, number>; pvPeakW: number; ratedKva: number }>();
  for (const s of topology.secondarySubstations)
    out.set(s.secondarySubstationId, { annualByProfile: new Map(), pvPeakW: 0, ratedKva: s.ratedKva });
  for (const m of topology.meteringPoints) {
    const s = out.get(m.secondarySubstationId);
    if (s === undefined) continue;
    s.annualByProfile.set(m.profile, (s.annualByProfile.get(m.profile) ?? 0) + m.annualConsumptionWh);
    s.pvPeakW += m.pvPeakW ?? 0;
  }
  return out;
}

export function cityStations(opts: {
  meters: number;
  seed: number;
  startMs: number;
  days: number;
  profiles: LoadProfileSet;
  progress?: (m: string) => void;
}): CityStations {
  const progress = opts.progress ?? (() => undefined);
  const topology = generateTopology({ seed: opts.seed, meters: opts.meters });
  progress(
    `city: topology of ${topology.meteringPoints.length} metering points, ${topology.secondarySubstations.length} secondary substations`,
  );
  const n = Math.round((opts.days * DAY_MS) / QH_MS);
  const weather = new CityWeather(opts.seed);
  const errKey = deriveSeed(opts.seed, 'pv-forecast-error');
  const tKey = deriveSeed(opts.seed, 'temperature-forecast-error');
  const anomalyKey = deriveSeed(opts.seed, 'temperature-anomaly');
  // Shared per quarter hour: profile shares, PV yield per Wp, heating degrees, weather forecasts.
  const shares = new Map<string, Float64Array>(PROFILE_IDS.map((p) => [p, new Float64Array(n)]));
  const pvYield = new Float64Array(n);
  const heating = new Float64Array(n);
  const pvForecast = new Float64Array(n);
  const temperature = new Float64Array(n);
  const dayIndex = new Int32Array(n);
  let anomaly = 0;
  let lastDay = -1;
  let dayCount = -1;
  for (let i = 0; i < n; i++) {
    const t = opts.startMs + i * QH_MS;
    const l = localDate(t);
    const day = l.year * 400 + l.month * 32 + l.day;
    if (day !== lastDay) {
      lastDay = day;
      dayCount++;
      anomaly = 0.8 * anomaly + 2 * normalAt(anomalyKey, dayCount);
    }
    dayIndex[i] = dayCount;
    const quarters = 96; // the profiles' DST mapping is not what is measured here
    const local = {
      year: l.year,
      month: l.month,
      day: l.day,
      quarterHourOfDay: Math.floor(l.minuteOfDay / 15),
    };
    for (const p of PROFILE_IDS) {
      const col = shares.get(p);
      if (col !== undefined) col[i] = quarterHourShare(opts.profiles[p], local, quarters);
    }
    const temp = ambientTemperatureC(t) + anomaly;
    heating[i] = Math.max(0, 15 - temp) / MEAN_HEATING_DEGREES;
    const y = pvYieldWhPerWp(weather, t, 15);
    pvYield[i] = y;
    const hourIndex = Math.floor(t / 3_600_000);
    const err =
      Math.exp(0.25 * normalAt(errKey, Math.floor(t / DAY_MS)) - 0.03125) *
      Math.exp(0.1 * normalAt(errKey + 1, hourIndex) - 0.005);
    pvForecast[i] = Math.round(y * 4000 * err * 1e4) / 1e4; // kW per kWp
    temperature[i] = Math.round((temp + 0.8 * normalAt(tKey, hourIndex)) * 10) / 10;
  }
  progress(`city: shared weather and profiles of ${n} quarter hours computed`);
  const statics = stationStatics(topology);
  const stations: GlobalSeriesInput[] = [];
  for (const s of topology.secondarySubstations) {
    const st = statics.get(s.secondarySubstationId);
    if (st === undefined) continue;
    const id = `secondary-substation:${s.secondarySubstationId}`;
    const key = deriveSeed(opts.seed, id);
    const hpShare = (fnv1a(id) % 31) / 100;
    let annual = 0;
    for (const v of st.annualByProfile.values()) annual += v;
    const hpAnnual = (annual * hpShare) / (1 - hpShare);
    const values = new Float64Array(n);
    let e = 0;
    const levels = new Float64Array(dayCount + 2);
    let level = 0;
    for (let d = 0; d < levels.length; d++) {
      level = 0.75 * level + 0.05 * normalAt(key, d);
      levels[d] = level;
    }
    const siteFactor = 0.9 + 0.2 * ((fnv1a(`${id}/pv`) % 1000) / 1000);
    for (let i = 0; i < n; i++) {
      let base = 0;
      for (const [p, a] of st.annualByProfile) base += a * (shares.get(p)?.[i] ?? 0);
      e = 0.7 * e + 0.04 * normalAt(key + 1, i);
      const hp = (hpAnnual / 35_040) * (heating[i] ?? 0);
      const pv = st.pvPeakW * (pvYield[i] ?? 0) * siteFactor;
      values[i] = Math.round(base * (1 + (levels[dayIndex[i] ?? 0] ?? 0) + e) + hp - pv);
    }
    const shareOf = (p: string) => (annual > 0 ? (st.annualByProfile.get(p) ?? 0) / annual : 0);
    const stat: SeriesStatics = {
      profileShares: {
        H25: shareOf('H25'),
        G25: shareOf('G25'),
        L25: shareOf('L25'),
        P25: shareOf('P25'),
        S25: shareOf('S25'),
      },
      // kWp per MWh/a of gross consumption
      pvShare: annual > 0 ? st.pvPeakW / (annual / 1000) : 0,
      heatPumpShare: hpShare,
      rating: st.ratedKva * 250,
    };
    stations.push({
      series: {
        name: id,
        unit: 'Wh',
        startMs: opts.startMs,
        stepMs: QH_MS,
        values,
        exogenous: { pv_forecast: pvForecast, temperature },
      },
      statics: stat,
    });
  }
  progress(`city: ${stations.length} station series of ${opts.days} days simulated`);
  return { topology, stations, startMs: opts.startMs, days: opts.days };
}
