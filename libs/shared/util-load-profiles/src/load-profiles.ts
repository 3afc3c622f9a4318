import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  BdewDayType,
  dayOfYear,
  dayType,
  daysInYear,
  addDays,
  quarterHoursInLocalDay,
} from '@gridwerk/shared/util-calendar';
/** The BDEW standard load profiles (2025 edition): households, commerce, agriculture, PV, PV + storage. */
export type BdewProfileId = 'H25' | 'G25' | 'L25' | 'P25' | 'S25';

// Module-level aliases: hot loops avoid global lookups, which are slow inside VM contexts (e.g. Jest).
const { cos, exp, floor, max } = Math;

export const PROFILE_IDS: readonly BdewProfileId[] = ['H25', 'G25', 'L25', 'P25', 'S25'];
const DAY_TYPES: readonly BdewDayType[] = ['WT', 'SA', 'FT'];
const SLOTS = 96;

/**
 * One standard load profile: 12 months x 3 day types x 96 quarter hours, in the unit of its source
 * (the BDEW 2025 files give kWh per quarter hour for a normalised annual consumption of about
 * 1,000,000 kWh; we never rely on that constant — scaling goes through {@link annualProfileSum}).
 */
export interface LoadProfile {
  id: BdewProfileId;
  source: 'bdew-file' | 'built-in';
  /** Where it came from (file path, or 'built-in'). */
  origin: string;
  /** index ((month - 1) * 3 + dayTypeIndex(WT=0, SA=1, FT=2)) * 96 + slot */
  values: Float64Array;
}

export type LoadProfileSet = Readonly<Record<BdewProfileId, LoadProfile>>;

export function dayTypeIndex(dt: BdewDayType): number {
  return dt === 'WT' ? 0 : dt === 'SA' ? 1 : 2;
}

export function profileColumnOffset(month: number, dt: BdewDayType | number): number {
  const d = typeof dt === 'number' ? dt : dayTypeIndex(dt);
  return ((month - 1) * 3 + d) * SLOTS;
}

/** A profile file that cannot be read; names the file and the line (1-based). */
export class ProfileFormatError extends Error {
  readonly code = 'SIMULATOR.PROFILE_FORMAT';
  constructor(
    readonly file: string,
    readonly line: number,
    detail: string,
  ) {
    super(`${file}:${line}: ${detail}`);
    this.name = 'ProfileFormatError';
  }
}

const MONTHS: Record<string, number> = {
  januar: 1,
  jänner: 1,
  februar: 2,
  märz: 3,
  maerz: 3,
  marz: 3,
  april: 4,
  mai: 5,
  juni: 6,
  juli: 7,
  august: 8,
  september: 9,
  oktober: 10,
  november: 11,
  dezember: 12,
};

function splitLine(line: string, sep: string): string[] {
  return line.split(sep).map((c) => c.trim().replace(/^"(.*)"$/, '$1'));
}

/**
 * Parses one BDEW profile in its published layout:
 *   line 1: `,Januar,Januar,Januar,Februar,...` (month names, 3 columns each),
 *   line 2: `[kWh],SA,FT,WT,...` (day types),
 *   then 96 lines `00:00-00:15,22.152,...`.
 * Tolerates a BOM, CRLF, quoted cells, and the German variant with `;` separators and decimal commas.
 */
export function parseBdewProfileCsv(
  text: string,
  id: BdewProfileId,
  file = `${id.toLowerCase()}.csv`,
): LoadProfile {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const fail = (line: number, detail: string): never => {
    throw new ProfileFormatError(file, line, detail);
  };
  if (lines.length < 2 + SLOTS)
    fail(
      lines.length,
      `expected 2 header lines and ${SLOTS} quarter-hour lines, found ${lines.length} lines`,
    );
  const sep = lines[0].includes(';') ? ';' : ',';
  const germanDecimals = sep === ';';
  const monthCells = splitLine(lines[0], sep);
  const typeCells = splitLine(lines[1], sep);
  // column index in the file for each (month, day type)
  const columnOf = new Int32Array(12 * 3).fill(-1);
  for (let c = 1; c < monthCells.length; c++) {
    const monthName = monthCells[c].toLowerCase();
    if (monthName === '') continue;
    const month = MONTHS[monthName];
    if (month === undefined) fail(1, `unknown month name '${monthCells[c]}' in column ${c + 1}`);
    const dt = (typeCells[c] ?? '').toUpperCase();
    if (dt !== 'WT' && dt !== 'SA' && dt !== 'FT')
      fail(2, `unknown day type '${typeCells[c] ?? ''}' in column ${c + 1} (expected WT, SA or FT)`);
    const slot = (month - 1) * 3 + dayTypeIndex(dt as BdewDayType);
    if (columnOf[slot] !== -1) fail(1, `duplicate column for ${monthCells[c]} ${dt}`);
    columnOf[slot] = c;
  }
  for (let k = 0; k < 36; k++) {
    if (columnOf[k] === -1)
      fail(1, `missing column for month ${floor(k / 3) + 1} day type ${DAY_TYPES[k % 3]}`);
  }
  const values = new Float64Array(12 * 3 * SLOTS);
  for (let q = 0; q < SLOTS; q++) {
    const lineNo = q + 3;
    const cells = splitLine(lines[q + 2], sep);
    const expectedLabel = `${hhmm(q * 15)}-${hhmm((q + 1) * 15)}`;
    const label = cells[0].replace(/\s/g, '');
    if (label !== expectedLabel && !(q === SLOTS - 1 && label === `${hhmm(q * 15)}-24:00`)) {
      fail(lineNo, `expected interval '${expectedLabel}', found '${cells[0]}'`);
    }
    for (let k = 0; k < 36; k++) {
      const raw = cells[columnOf[k]];
      const normalised = germanDecimals ? (raw ?? '').replace(/\./g, '').replace(',', '.') : (raw ?? '');
      const v = normalised === '' ? Number.NaN : Number(normalised);
      if (!Number.isFinite(v) || v < 0) fail(lineNo, `bad value '${raw ?? ''}' in column ${columnOf[k] + 1}`);
      values[k * SLOTS + q] = v;
    }
  }
  return { id, source: 'bdew-file', origin: file, values };
}

function hhmm(minutes: number): string {
  const h = floor(minutes / 60) % 24;
  const m = minutes % 60;
  return `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`;
}

/** Reads h25.csv, g25.csv, l25.csv, p25.csv, s25.csv from a directory (lower- or upper-case names). */
export function loadBdewProfiles(directory: string): LoadProfileSet {
  const out: Partial<Record<BdewProfileId, LoadProfile>> = {};
  for (const id of PROFILE_IDS) {
    const candidates = [join(directory, `${id.toLowerCase()}.csv`), join(directory, `${id}.csv`)];
    const file = candidates.find((f) => existsSync(f));
    if (file === undefined)
      throw new ProfileFormatError(candidates[0], 0, `profile file not found in ${directory}`);
    out[id] = parseBdewProfileCsv(readFileSync(file, 'utf8'), id, file);
  }
  return out as LoadProfileSet;
}

// ---------------------------------------------------------------------------------------------------------
// Built-in parametric approximation
// ---------------------------------------------------------------------------------------------------------

const NORMALISED_ANNUAL_KWH = 1_000_000;

function bell(h: number, centre: number, width: number): number {
  const x = (h - centre) / width;
  return exp(-0.5 * x * x);
}

/**
 * Built-in approximation of the five BDEW 2025 profiles, for when no profile directory is configured.
 * It is NOT the BDEW data; it reproduces their qualitative shape so that the simulator, forecasts and
 * tests behave plausibly:
 *  - H25: night base, morning peak (07:00 on working days, later on weekends), midday shoulder, dominant
 *    evening peak (18:00 in winter, 19:30 in summer); level flat over the year (seasonality comes from the
 *    dynamisation factor, as with the published H25).
 *  - G25: working-day plateau 08:00-17:00 with ramps, Saturday half day, low Sunday base; +10 % in winter.
 *  - L25: milking peaks around 06:00 and 18:00 on a high base, +10 % in winter.
 *  - P25: H25 shape minus a midday self-consumption dip that is deep in summer and shallow in winter.
 *  - S25: P25 plus a home battery: near-zero withdrawal from late morning to night in summer.
 * Each is scaled so that a year of 365.25 average days sums to 1,000,000 kWh, as the published files are.
 */
export function builtInProfiles(): LoadProfileSet {
  const make = (id: BdewProfileId, f: (month: number, dt: number, h: number) => number): LoadProfile => {
    const values = new Float64Array(12 * 3 * SLOTS);
    for (let m = 1; m <= 12; m++) {
      for (let d = 0; d < 3; d++) {
        for (let q = 0; q < SLOTS; q++) values[profileColumnOffset(m, d) + q] = f(m, d, (q + 0.5) / 4);
      }
    }
    // weights of day types in an average year: ~250 WT, ~52 SA, ~63 FT
    const w = [250 / 365, 52 / 365, 63 / 365];
    let perAverageDay = 0;
    for (let m = 1; m <= 12; m++) {
      for (let d = 0; d < 3; d++) {
        let s = 0;
        for (let q = 0; q < SLOTS; q++) s += values[profileColumnOffset(m, d) + q];
        perAverageDay += (s * w[d]) / 12;
      }
    }
    const scale = NORMALISED_ANNUAL_KWH / (perAverageDay * 365.25);
    for (let i = 0; i < values.length; i++) values[i] *= scale;
    return { id, source: 'built-in', origin: 'built-in', values };
  };
  const summerness = (m: number): number => 0.5 - 0.5 * cos((2 * Math.PI * (m - 0.5)) / 12); // 0 Jan .. 1 Jul
  const household = (m: number, dt: number, h: number): number => {
    const s = summerness(m);
    const morningAt = dt === 0 ? 7 : dt === 1 ? 8.75 : 9.25;
    return (
      0.42 -
      0.12 * bell(h, 3.5, 1.4) +
      0.42 * bell(h, morningAt, 1.2) +
      (dt === 0 ? 0.22 : 0.45) * bell(h, 12.5, 1.6) +
      (1.05 - 0.15 * s) * bell(h, 18.3 + 1.2 * s, 1.9) +
      0.15 * bell(h, 22, 1.2)
    );
  };
  const solarDip = (m: number, h: number, depth: number): number => {
    const s = summerness(m);
    return 1 - depth * (0.3 + 0.7 * s) * bell(h, 13, 2.2 + 1.3 * s);
  };
  return {
    H25: make('H25', household),
    G25: make('G25', (m, dt, h) => {
      const winter = 1 + 0.1 * (1 - summerness(m));
      const open = (from: number, to: number): number =>
        1 / (1 + exp(-(h - from) * 2.5)) - 1 / (1 + exp(-(h - to) * 2.5));
      const level =
        dt === 0
          ? 0.3 + 1.25 * open(7.5, 17.5)
          : dt === 1
            ? 0.3 + 0.7 * open(8, 13.5)
            : 0.3 + 0.05 * open(10, 16);
      return winter * level;
    }),
    L25: make('L25', (m, dt, h) => {
      const winter = 1 + 0.1 * (1 - summerness(m));
      return (
        winter *
        (0.75 + 0.35 * bell(h, 6, 1.3) + 0.3 * bell(h, 18, 1.5) + (dt === 0 ? 0.2 : 0.08) * bell(h, 11.5, 3))
      );
    }),
    P25: make('P25', (m, dt, h) => household(m, dt, h) * solarDip(m, h, 0.75)),
    S25: make('S25', (m, dt, h) => {
      const s = summerness(m);
      const battery = 1 - 0.9 * s * (1 - bell(h, 8, 1.2) * 0.5); // in summer the battery covers most hours
      return household(m, dt, h) * solarDip(m, h, 0.95) * max(0.05, battery);
    }),
  };
}

/** Loads from a directory when given, otherwise the built-in approximation. */
export function resolveProfiles(directory: string | undefined): LoadProfileSet {
  return directory === undefined || directory === '' ? builtInProfiles() : loadBdewProfiles(directory);
}

// ---------------------------------------------------------------------------------------------------------
// Values, DST mapping, dynamisation, annual normalisation
// ---------------------------------------------------------------------------------------------------------

/**
 * Maps a local quarter hour of a (possibly DST) day to the profile slot 0..95, following the wall clock:
 *  - 92-quarter-hour day (spring): 02:00-03:00 does not exist, so slots 8..11 are skipped;
 *  - 100-quarter-hour day (autumn): 02:00-03:00 happens twice and slots 8..11 are used twice.
 * This is what a meter following local time experiences; it is also equivalent to floor(minuteOfDay / 15).
 */
export function profileSlot(quarterHourOfDay: number, quarterHoursInDay = 96): number {
  if (quarterHoursInDay === 92) return quarterHourOfDay < 8 ? quarterHourOfDay : quarterHourOfDay + 4;
  if (quarterHoursInDay === 100) return quarterHourOfDay < 12 ? quarterHourOfDay : quarterHourOfDay - 4; // 12..15 -> 8..11 again
  return quarterHourOfDay;
}

/** Raw profile value (source unit) for a month (1-12), day type and local quarter hour. */
export function profileValue(
  profile: LoadProfile,
  month: number,
  dt: BdewDayType,
  quarterHourOfDay: number,
  quarterHoursInDay = 96,
): number {
  return profile.values[profileColumnOffset(month, dt) + profileSlot(quarterHourOfDay, quarterHoursInDay)];
}

/**
 * Profiles dynamised with the BDEW polynomial. H25 needs it (its undynamised monthly sums even rise
 * towards summer). P25 and S25 are derived from the same undynamised household base — they are H25
 * minus self-supply — and the BDEW guidance for the 2025 profiles prescribes dynamisation for all three.
 * G25 and L25 are not dynamised.
 */
export const DYNAMISED_PROFILES: ReadonlySet<BdewProfileId> = new Set<BdewProfileId>(['H25', 'P25', 'S25']);

/** BDEW dynamisation factor for day of year d (1..366). */
export function dynamisationFactor(d: number): number {
  return (((-3.92e-10 * d + 3.2e-7) * d - 7.02e-5) * d + 2.1e-3) * d + 1.24;
}

const annualSumCache = new WeakMap<LoadProfile, Map<number, number>>();

/**
 * Sum of the (dynamised where applicable) profile over all local quarter hours of a calendar year in
 * Europe/Berlin, with the DST mapping of {@link profileSlot}. A customer's energy in a quarter hour is
 * annualWh * value * F(d) / annualProfileSum, so a full year sums to annualWh exactly.
 */
export function annualProfileSum(profile: LoadProfile, year: number): number {
  let byYear = annualSumCache.get(profile);
  if (byYear === undefined) {
    byYear = new Map();
    annualSumCache.set(profile, byYear);
  }
  const cached = byYear.get(year);
  if (cached !== undefined) return cached;
  const dynamised = DYNAMISED_PROFILES.has(profile.id);
  let total = 0;
  const n = daysInYear(year);
  for (let i = 0; i < n; i++) {
    const { month, day } = addDays(year, 1, 1, i);
    const off = profileColumnOffset(month, dayType(year, month, day));
    const quarters = quarterHoursInLocalDay(year, month, day);
    let s = 0;
    for (let q = 0; q < quarters; q++) s += profile.values[off + profileSlot(q, quarters)];
    total += dynamised ? s * dynamisationFactor(dayOfYear(year, month, day)) : s;
  }
  byYear.set(year, total);
  return total;
}

/**
 * Share of the annual consumption that falls into one local quarter hour (dimensionless): multiply by a
 * customer's annual consumption to get its energy in that quarter hour.
 */
export function quarterHourShare(
  profile: LoadProfile,
  local: { year: number; month: number; day: number; quarterHourOfDay: number },
  quarterHoursInDay: number,
  dt: BdewDayType = dayType(local.year, local.month, local.day),
): number {
  const v =
    profile.values[
      profileColumnOffset(local.month, dt) + profileSlot(local.quarterHourOfDay, quarterHoursInDay)
    ];
  const f = DYNAMISED_PROFILES.has(profile.id)
    ? dynamisationFactor(dayOfYear(local.year, local.month, local.day))
    : 1;
  return (v * f) / annualProfileSum(profile, local.year);
}
