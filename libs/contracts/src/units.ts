/**
 * Units and identifiers shared by every event. Units are part of field names (`importWh`, `powerW`,
 * `amountCt`, `priceMilliCtPerKWh`); energy, power and money are integers, never floats.
 */

export const MINUTE_MS = 60_000;
export const QUARTER_HOUR_MS = 15 * MINUTE_MS;
export const HOUR_MS = 60 * MINUTE_MS;

/** German metering point id (Messlokations-ID / Zählpunktbezeichnung): `DE` + 31 uppercase alphanumerics. */
export const METER_POINT_ID_PATTERN = /^DE[0-9A-Z]{31}$/;
export const METER_POINT_ID_LENGTH = 33;

/** Counterparty id of the utility itself in settlement (grid import / export). */
export const UTILITY_PARTY_ID = 'UTILITY';

/** Asset ids (batteries, transformers, feeders, ...): 2..64 characters, starting alphanumeric. */
export const ASSET_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{1,63}$/;

/**
 * A UTC instant in ISO-8601 form, always with `Z`: `2026-01-05T06:15:00Z` or `2026-01-05T06:15:00.123Z`.
 * Offsets such as `+01:00` are rejected on purpose: instants travel in UTC, display is Europe/Berlin.
 */
export const UTC_INSTANT_PATTERN = /^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,9})?Z$/;

/**
 * A UTC instant in whole seconds (sub-second digits, if any, all zero): the instants of raw series.
 * `06:00:00.0009Z` would otherwise pass a millisecond alignment check and name a second row beside
 * `06:00:00Z` for the same quarter hour.
 */
export const WHOLE_SECOND_INSTANT_PATTERN =
  /^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.0{1,9})?Z$/;

/**
 * Upper bound of interval energies (importWh, exportWh of one metering interval): 1 TWh, far beyond any
 * connection, so that a sum over every meter and a year stays a safe integer and fits a bigint column.
 */
export const MAX_INTERVAL_ENERGY_WH = 1_000_000_000_000;

/**
 * Upper bound of cumulative registers (OBIS 1.8.0 / 2.8.0) and other stored Wh values: the largest
 * integer JavaScript represents exactly (2^53 - 1); PostgreSQL's bigint holds it. Larger values would
 * lose precision silently when parsed from JSON, so they are rejected.
 */
export const MAX_REGISTER_WH = Number.MAX_SAFE_INTEGER;

export function isMeterPointId(value: unknown): value is string {
  return typeof value === 'string' && METER_POINT_ID_PATTERN.test(value);
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function digits(s: string, from: number, n: number): number {
  let v = 0;
  for (let i = from; i < from + n; i++) v = v * 10 + (s.charCodeAt(i) - 48);
  return v;
}

/** Epoch ms of a string already matching UTC_INSTANT_PATTERN, or NaN for an impossible calendar time. */
function parseUtcInstant(s: string): number {
  const y = digits(s, 0, 4);
  const mo = digits(s, 5, 2);
  const d = digits(s, 8, 2);
  const h = digits(s, 11, 2);
  const mi = digits(s, 14, 2);
  const sec = digits(s, 17, 2);
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  const dim = mo === 2 && leap ? 29 : (DAYS_IN_MONTH[mo - 1] ?? 0);
  if (mo < 1 || mo > 12 || d < 1 || d > dim || h > 23 || mi > 59 || sec > 59) return NaN;
  const frac = s.length > 20 ? Number(`0${s.slice(19, -1)}`) * 1000 : 0;
  return Date.UTC(y, mo - 1, d, h, mi, sec) + Math.floor(frac);
}

// Events of one interval share their instants (all meters of a quarter hour): remember recent ones.
const instantCache = new Map<string, number>();

function utcInstantMs(value: string): number {
  let ms = instantCache.get(value);
  if (ms === undefined) {
    ms = UTC_INSTANT_PATTERN.test(value) ? parseUtcInstant(value) : NaN;
    if (instantCache.size >= 4096) instantCache.clear();
    instantCache.set(value, ms);
  }
  return ms;
}

/** True for a well-formed UTC instant that names a real calendar time (no 30 February, no 25:00). */
export function isUtcInstant(value: unknown): value is string {
  return typeof value === 'string' && !Number.isNaN(utcInstantMs(value));
}

/** Epoch milliseconds of a UTC instant string or a Date; `undefined` when it is not a valid instant. */
export function toEpochMs(isoOrDate: string | Date): number | undefined {
  if (isoOrDate instanceof Date) {
    const ms = isoOrDate.getTime();
    return Number.isNaN(ms) ? undefined : ms;
  }
  const ms = utcInstantMs(isoOrDate);
  return Number.isNaN(ms) ? undefined : ms;
}

/** `2026-01-05T06:15:00Z` style (no milliseconds when they are zero). */
export function toUtcInstant(date: Date | number): string {
  const iso = new Date(date).toISOString();
  return iso.endsWith('.000Z') ? `${iso.slice(0, 19)}Z` : iso;
}

/**
 * True when the instant lies on a multiple of `stepMs` since the Unix epoch. German market quarter hours
 * are aligned in UTC as well as in local time (offsets are whole hours), so this is DST-safe.
 */
export function isAlignedTo(isoOrDate: string | Date, stepMs: number): boolean {
  const ms = toEpochMs(isoOrDate);
  return ms !== undefined && stepMs > 0 && ms % stepMs === 0;
}

export function isQuarterHourAligned(isoOrDate: string | Date): boolean {
  return isAlignedTo(isoOrDate, QUARTER_HOUR_MS);
}

export function floorToQuarterHour(date: Date): Date {
  const ms = date.getTime();
  return new Date(ms - (((ms % QUARTER_HOUR_MS) + QUARTER_HOUR_MS) % QUARTER_HOUR_MS));
}

/** Integer watt-hours (may be negative where a field allows it, e.g. net feed-in in forecasts). */
export function isIntegerWh(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value);
}

export function isNonNegativeIntegerWh(value: unknown): value is number {
  return isIntegerWh(value) && value >= 0;
}

/** Integer euro-cents. */
export function isIntegerCt(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value);
}

/** Human name of the unit a field carries, read from its suffix (`importWh` -> `watt-hours`). */
export function unitOfField(field: string): string | undefined {
  const suffixes: ReadonlyArray<readonly [string, string]> = [
    ['MilliCtPerKWh', 'milli-cents per kilowatt-hour'],
    ['Wh', 'watt-hours'],
    ['Ct', 'euro-cents'],
    ['Pct', 'percent'],
    ['Ms', 'milliseconds'],
    ['Minutes', 'minutes'],
    ['W', 'watts'],
    ['C', 'degrees Celsius'],
  ];
  const hit = suffixes.find(([suffix]) => field.endsWith(suffix) && field.length > suffix.length);
  return hit?.[1];
}
