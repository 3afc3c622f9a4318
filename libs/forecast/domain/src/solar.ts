/** Geographic position for solar geometry; default Leipzig. */
export interface GeoLocation {
  latitudeDeg: number;
  longitudeDeg: number;
}

export const LEIPZIG: GeoLocation = { latitudeDeg: 51.34, longitudeDeg: 12.37 };

const RAD = Math.PI / 180;

/**
 * Sine of the sun's elevation at a UTC instant, clipped at 0 (night). A clear-sky proxy: PV feed-in and
 * daylight-driven lighting scale with it, and it is known in advance. Accurate to about a degree
 * (Cooper's declination, a short equation of time), plenty for a feature.
 */
export function solarElevationSin(timeMs: number, location: GeoLocation = LEIPZIG): number {
  const days = timeMs / 86_400_000;
  const dayOfYear = days - Math.floor(days / 365.2425) * 365.2425;
  const b = (2 * Math.PI * (dayOfYear - 81)) / 364;
  const equationOfTimeMin = 9.87 * Math.sin(2 * b) - 7.53 * Math.cos(b) - 1.5 * Math.sin(b);
  const declination = 23.44 * RAD * Math.sin((2 * Math.PI * (dayOfYear + 284 - 365)) / 365);
  const utcHours = (timeMs / 3_600_000) % 24;
  const solarHours = utcHours + location.longitudeDeg / 15 + equationOfTimeMin / 60;
  const hourAngle = (solarHours - 12) * 15 * RAD;
  const lat = location.latitudeDeg * RAD;
  const s =
    Math.sin(lat) * Math.sin(declination) + Math.cos(lat) * Math.cos(declination) * Math.cos(hourAngle);
  return Math.max(0, s);
}
