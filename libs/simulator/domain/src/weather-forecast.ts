import { HOUR_MS } from '@gridwerk/shared/util-calendar';
import { CityWeather, LEIPZIG, ambientTemperatureC, clearSkyGhi, solarPosition } from './pv';
import { deriveSeed, normalAt } from './rng';

const { max, min, sqrt } = Math;

/** The simulator's weather point: the city grid point its weather is computed for. */
export const SIMULATOR_WEATHER_POINT = 'sim-leipzig';

/** One hourly step of a simulated weather forecast: means over `[targetStartMs, +1 h)`. */
export interface SimulatedWeatherStep {
  targetStartMs: number;
  ghiWPerM2: number;
  temperatureC: number;
  cloudCoverPct: number;
}

export interface SimulatedWeatherForecast {
  pointId: string;
  issueTimeMs: number;
  steps: SimulatedWeatherStep[];
}

/** The weather as it happens (what the simulated PV and loads feel), for the hour starting at `hourMs`. */
export function observedWeather(weather: CityWeather, hourMs: number): SimulatedWeatherStep {
  const mid = hourMs + HOUR_MS / 2;
  const pos = solarPosition(mid, LEIPZIG.latitudeDeg, LEIPZIG.longitudeDeg);
  const k = weather.clearSkyIndex(mid);
  return {
    targetStartMs: hourMs,
    ghiWPerM2: clearSkyGhi(pos.cosZenith) * k,
    temperatureC: ambientTemperatureC(mid),
    cloudCoverPct: cloudCoverOf(k),
  };
}

/** Effective cloud cover implied by a clear-sky index (1.0 → 0 %, 0.2 → ~100 %). */
function cloudCoverOf(k: number): number {
  return max(0, min(100, ((1 - k) / 0.8) * 100));
}

/**
 * Standard deviation of the forecast error at a lead time: a forecast for the next hour is almost right,
 * one for two days ahead much less so (as for NWP point forecasts).
 */
export function forecastErrorSigma(leadHours: number): { clearSkyIndex: number; temperatureC: number } {
  const l = max(0, leadHours);
  return { clearSkyIndex: 0.03 + 0.12 * sqrt(min(l, 72) / 48), temperatureC: 0.3 + 0.04 * l };
}

/**
 * A weather forecast as a weather service would have issued it at `issueTimeMs` for the next `hours` hours:
 * the simulator's own weather with a seeded error that grows with the lead time (a day-level component,
 * shared by the hours of a day, plus an hourly one). The same seed and issue time give the same forecast;
 * different issue times give different errors (vintages differ).
 */
export function simulatedWeatherForecast(
  weather: CityWeather,
  issueTimeMs: number,
  hours = 48,
  pointId = SIMULATOR_WEATHER_POINT,
): SimulatedWeatherForecast {
  const key = deriveSeed(weather.seed, 'weather-forecast', issueTimeMs);
  const first = Math.ceil(issueTimeMs / HOUR_MS) * HOUR_MS;
  const steps: SimulatedWeatherStep[] = [];
  for (let i = 0; i < hours; i++) {
    const hourMs = first + i * HOUR_MS;
    const truth = observedWeather(weather, hourMs);
    const lead = (hourMs + HOUR_MS / 2 - issueTimeMs) / HOUR_MS;
    const sigma = forecastErrorSigma(lead);
    const day = Math.floor((hourMs - first) / (24 * HOUR_MS));
    const zk = 0.8 * normalAt(key, 1000 + day) + 0.6 * normalAt(key, i);
    const zt = 0.8 * normalAt(key ^ 0x5f3759df, 1000 + day) + 0.6 * normalAt(key ^ 0x5f3759df, i);
    const mid = hourMs + HOUR_MS / 2;
    const kTrue = weather.clearSkyIndex(mid);
    const k = max(0.05, min(1.05, kTrue + sigma.clearSkyIndex * zk));
    const clearSky = clearSkyGhi(solarPosition(mid).cosZenith);
    steps.push({
      targetStartMs: hourMs,
      ghiWPerM2: Math.round(clearSky * k * 10) / 10,
      temperatureC: Math.round((truth.temperatureC + sigma.temperatureC * zt) * 10) / 10,
      cloudCoverPct: Math.round(cloudCoverOf(k)),
    });
  }
  return { pointId, issueTimeMs, steps };
}

/**
 * Issue times of a schedule (every `everyHours`, aligned to UTC midnight, e.g. 6 → 00, 06, 12, 18 UTC, like
 * the DWD's MOSMIX runs) in `[fromMs, toMs)`.
 */
export function weatherIssueTimes(fromMs: number, toMs: number, everyHours = 6): number[] {
  const every = everyHours * HOUR_MS;
  const out: number[] = [];
  for (let t = Math.ceil(fromMs / every) * every; t < toMs; t += every) out.push(t);
  return out;
}
