import { DAY_MS, HOUR_MS, daysFromCivil } from '@gridwerk/shared/util-calendar';
import { deriveSeed, normalAt, unitAt } from './rng';

// Module-level aliases: hot loops avoid global lookups, which are slow inside VM contexts (e.g. Jest).
const { acos, atan2, cos, exp, floor, max, min, pow, sin, sqrt, tan } = Math;

/** Leipzig city centre. */
export const LEIPZIG = { latitudeDeg: 51.34, longitudeDeg: 12.37 } as const;

const DEG = Math.PI / 180;

export interface SolarPosition {
  /** cos of the solar zenith angle (<= 0 at night). */
  cosZenith: number;
  /** Solar elevation in degrees. */
  elevationDeg: number;
  /** Azimuth in degrees from north, clockwise (180 = south). */
  azimuthDeg: number;
  declinationDeg: number;
  /** Equation of time in minutes. */
  equationOfTimeMin: number;
  hourAngleDeg: number;
}

/**
 * Solar position from a UTC instant (NOAA general solar position formulas, Spencer's Fourier series for
 * declination and equation of time; accurate to a fraction of a degree, ample for energy simulation).
 */
export function solarPosition(
  utcMs: number,
  latitudeDeg: number = LEIPZIG.latitudeDeg,
  longitudeDeg: number = LEIPZIG.longitudeDeg,
): SolarPosition {
  const dayNumber = floor(utcMs / DAY_MS);
  const minutesOfDay = (utcMs - dayNumber * DAY_MS) / 60_000;
  const year = new Date(utcMs).getUTCFullYear();
  const dayOfYear0 = dayNumber - daysFromCivil(year, 1, 1);
  const daysInYear = daysFromCivil(year + 1, 1, 1) - daysFromCivil(year, 1, 1);
  const g = ((2 * Math.PI) / daysInYear) * (dayOfYear0 + (minutesOfDay / 60 - 12) / 24);
  const eqTime =
    229.18 *
    (0.000075 + 0.001868 * cos(g) - 0.032077 * sin(g) - 0.014615 * cos(2 * g) - 0.040849 * sin(2 * g));
  const decl =
    0.006918 -
    0.399912 * cos(g) +
    0.070257 * sin(g) -
    0.006758 * cos(2 * g) +
    0.000907 * sin(2 * g) -
    0.002697 * cos(3 * g) +
    0.00148 * sin(3 * g);
  const trueSolarMinutes = minutesOfDay + eqTime + 4 * longitudeDeg;
  const ha = (trueSolarMinutes / 4 - 180) * DEG;
  const lat = latitudeDeg * DEG;
  const cosZenith = sin(lat) * sin(decl) + cos(lat) * cos(decl) * cos(ha);
  const azimuth = atan2(sin(ha), cos(ha) * sin(lat) - tan(decl) * cos(lat)) + Math.PI;
  return {
    cosZenith,
    elevationDeg: 90 - acos(max(-1, min(1, cosZenith))) / DEG,
    azimuthDeg: azimuth / DEG,
    declinationDeg: decl / DEG,
    equationOfTimeMin: eqTime,
    hourAngleDeg: ha / DEG,
  };
}

/** Haurwitz clear-sky global horizontal irradiance, W/m². */
export function clearSkyGhi(cosZenith: number): number {
  return cosZenith <= 0 ? 0 : 1098 * cosZenith * exp(-0.057 / cosZenith);
}

export interface PlaneOfArrayOptions {
  tiltDeg: number;
  /** degrees from north, 180 = south */
  azimuthDeg: number;
  albedo: number;
}

/** The typical Leipzig rooftop: south, 35° tilt. */
export const DEFAULT_PLANE: PlaneOfArrayOptions = { tiltDeg: 35, azimuthDeg: 180, albedo: 0.2 };

/**
 * Plane-of-array irradiance (W/m²) from a global horizontal irradiance: split into beam and diffuse by a
 * diffuse fraction that grows as the clear-sky index falls (clouds scatter light), then beam by the angle
 * of incidence, isotropic sky diffuse and ground-reflected parts.
 */
export function planeOfArrayIrradiance(
  pos: SolarPosition,
  ghi: number,
  clearSkyIndex: number,
  plane: PlaneOfArrayOptions = DEFAULT_PLANE,
): number {
  if (ghi <= 0 || pos.cosZenith <= 0) return 0;
  const k = max(0, min(1, clearSkyIndex));
  const diffuseFraction = min(1, 0.12 + 0.88 * pow(1 - k, 1.3));
  const dhi = ghi * diffuseFraction;
  const dni = min(1000, (ghi - dhi) / max(pos.cosZenith, 0.065));
  const tilt = plane.tiltDeg * DEG;
  const sinZ = sqrt(max(0, 1 - pos.cosZenith * pos.cosZenith));
  const cosAoi =
    pos.cosZenith * cos(tilt) + sinZ * sin(tilt) * cos((pos.azimuthDeg - plane.azimuthDeg) * DEG);
  return dni * max(0, cosAoi) + (dhi * (1 + cos(tilt))) / 2 + (ghi * plane.albedo * (1 - cos(tilt))) / 2;
}

export type WeatherState = 'clear' | 'partly' | 'overcast';
const STATES: readonly WeatherState[] = ['clear', 'partly', 'overcast'];

/** Transition matrices (rows: from clear/partly/overcast) for winter and summer; blended by season. */
const P_WINTER = [
  [0.45, 0.25, 0.3],
  [0.2, 0.4, 0.4],
  [0.1, 0.25, 0.65],
];
const P_SUMMER = [
  [0.6, 0.3, 0.1],
  [0.3, 0.45, 0.25],
  [0.15, 0.35, 0.5],
];
/** Clear-sky index per state: mean and hourly variability. */
const STATE_MEAN = [0.96, 0.6, 0.22];
const STATE_AMP = [0.03, 0.22, 0.07];

const WEATHER_EPOCH_DAY = daysFromCivil(2000, 1, 1);

/** Local day number used by the weather (days since 1970-01-01 in CET, ignoring DST: weather does not care). */
export function weatherDay(utcMs: number): number {
  return floor((utcMs + HOUR_MS) / DAY_MS);
}

/**
 * City-wide weather: a daily Markov chain over clear / partly cloudy / overcast with seasonal transition
 * probabilities, run from a fixed epoch (2000-01-01) so that the state of a day depends only on the seed and
 * the date (never on where a simulation starts), and a smooth hourly clear-sky-index process inside each day.
 */
export class CityWeather {
  private readonly key: number;
  private readonly states: number[] = [];

  constructor(readonly seed: number | string) {
    this.key = deriveSeed(seed, 'weather');
  }

  stateIndexOfDay(day: number): number {
    const i = day - WEATHER_EPOCH_DAY;
    if (i < 0) return min(2, floor(unitAt(this.key, day) * 3));
    while (this.states.length <= i) {
      const k = this.states.length;
      const prev = k === 0 ? 1 : this.states[k - 1];
      const doy = k % 365.2425; // the epoch is 1 January
      const summer = 0.5 - 0.5 * cos((2 * Math.PI * (doy - 15)) / 365.2425);
      const u = unitAt(this.key, WEATHER_EPOCH_DAY + k);
      let acc = 0;
      let next = 2;
      for (let s = 0; s < 3; s++) {
        acc += (1 - summer) * P_WINTER[prev][s] + summer * P_SUMMER[prev][s];
        if (u < acc) {
          next = s;
          break;
        }
      }
      this.states.push(next);
    }
    return this.states[i];
  }

  stateOfDay(utcMs: number): WeatherState {
    return STATES[this.stateIndexOfDay(weatherDay(utcMs))];
  }

  /** Clear-sky index (0.05..1.05) at an instant: the day's state plus smooth hourly variation. */
  clearSkyIndex(utcMs: number): number {
    const s = this.stateIndexOfDay(weatherDay(utcMs));
    const hours = utcMs / HOUR_MS;
    const h0 = floor(hours);
    const t = hours - h0;
    const z = (1 - t) * normalAt(this.key ^ 0x1234567, h0) + t * normalAt(this.key ^ 0x1234567, h0 + 1);
    return max(0.05, min(1.05, STATE_MEAN[s] + STATE_AMP[s] * z));
  }
}

/** Performance ratio of a typical rooftop system (inverter, wiring, temperature, soiling losses). */
export const PERFORMANCE_RATIO = 0.8;

/**
 * City-wide PV yield for an interval, in Wh per Wp of installed peak power, evaluated at mid-interval:
 * plane-of-array irradiance / 1000 W/m² x performance ratio x interval length. Site variation is applied
 * per system by the caller ({@link sitePvFactor}).
 */
export function pvYieldWhPerWp(
  weather: CityWeather,
  intervalStartMs: number,
  minutes: number,
  plane: PlaneOfArrayOptions = DEFAULT_PLANE,
): number {
  const mid = intervalStartMs + (minutes * 60_000) / 2;
  const pos = solarPosition(mid);
  if (pos.cosZenith <= 0) return 0;
  const k = weather.clearSkyIndex(mid);
  const ghi = clearSkyGhi(pos.cosZenith) * k;
  return ((planeOfArrayIrradiance(pos, ghi, k, plane) / 1000) * PERFORMANCE_RATIO * minutes) / 60;
}

/**
 * Per-site multiplicative variation: a fixed factor for orientation/shading (drawn once per site, 0.85-1.0)
 * times a small hourly fluctuation (local clouds, ±5 % s.d.), both seeded from the site key.
 */
export function sitePvFactor(siteKey: number, staticFactor: number, utcMs: number): number {
  const z = normalAt(siteKey, floor(utcMs / HOUR_MS));
  return staticFactor * max(0.8, min(1.2, 1 + 0.05 * z));
}

/** PV energy (Wh, fractional) of one system in an interval. */
export function pvEnergyWh(
  pvPeakW: number,
  weather: CityWeather,
  intervalStartMs: number,
  minutes: number,
  siteFactor = 1,
): number {
  return pvPeakW * pvYieldWhPerWp(weather, intervalStartMs, minutes) * siteFactor;
}

/** Ambient temperature in Leipzig (°C): annual cycle (Jan ~0.5, Jul ~19.5) plus a diurnal cycle peaking ~15:00. */
export function ambientTemperatureC(utcMs: number): number {
  const days = utcMs / DAY_MS;
  const year = new Date(utcMs).getUTCFullYear();
  const doy = days - daysFromCivil(year, 1, 1);
  const solarHour = ((utcMs % DAY_MS) / HOUR_MS + LEIPZIG.longitudeDeg / 15 + 24) % 24;
  return 10 - 9.5 * cos((2 * Math.PI * (doy - 18)) / 365.25) + 4 * cos((2 * Math.PI * (solarHour - 15)) / 24);
}
