import {
  MINUTE_MS,
  QUARTER_HOUR_MS,
  addDays,
  dayType,
  localDate,
  quarterHoursInLocalDay,
  startOfLocalDayUtc,
} from '@gridwerk/shared/util-calendar';
import {
  BatteryCommand,
  BatteryCommandSchedule,
  BatteryControl,
  BatteryState,
  initialBatteryState,
  LocalRuleThresholds,
  localRuleThresholds,
  stateOfChargePct,
  stepBattery,
} from './battery';
import { LoadProfile, LoadProfileSet, quarterHourShare } from '@gridwerk/shared/util-load-profiles';
import { CityWeather, ambientTemperatureC, pvYieldWhPerWp, weatherDay } from './pv';
import { deriveSeed, normalAt, unitAt } from './rng';
import { BdewProfileId, CustomerType, GridTopology, generateTopology } from './topology';

// Module-level aliases: hot loops avoid global lookups, which are slow inside VM contexts (e.g. Jest).
const { exp, floor, max, min, round, sqrt } = Math;

/** One smart-meter reading (field names are the contract of `grid.meter.readings.v1`). */
export interface MeterReadingData {
  meterPointId: string;
  /** ISO UTC, e.g. 2026-01-05T06:15:00.000Z */
  intervalStart: string;
  intervalEnd: string;
  resolution: 'PT15M' | 'PT1M';
  /** Energy drawn from the grid in the interval, integer Wh. */
  importWh: number;
  /** Energy fed into the grid in the interval, integer Wh. */
  exportWh: number;
  /** OBIS 1.8.0 cumulative import register, integer Wh. */
  registerImportWh: number;
  /** OBIS 2.8.0 cumulative export register, integer Wh. */
  registerExportWh: number;
  quality: 'measured';
}

/** Telemetry of a fleet battery (field names are the contract of `grid.battery.telemetry.v1`). */
export interface BatteryTelemetryData {
  assetId: string;
  /** End of the interval the power refers to (state after it), ISO UTC. */
  time: string;
  stateOfChargePct: number;
  /** Mean AC power over the interval, integer W, + = discharge. */
  powerW: number;
  usableCapacityWh: number;
  stateOfHealthPct: number;
  temperatureC: number;
  mode: 'auto' | 'remote' | 'idle';
  /** Control in effect over the interval: planned-setpoint, planned-limit, local-rule or idle. */
  control: BatteryControl;
  /** BMS limits now, W (lower near the SoC window's ends and when the pack is hot). */
  maxChargeW: number;
  maxDischargeW: number;
}

export interface SimulationStep {
  index: number;
  intervalStart: string;
  intervalEnd: string;
  /** One reading per metering point, in topology order. */
  readings: MeterReadingData[];
  /** One telemetry record per fleet battery, in topology order. */
  batteries: BatteryTelemetryData[];
  /**
   * One reading per fleet battery at its grid connection (import = charge, export = discharge), in
   * topology order, so that the load of its secondary substation reflects it.
   */
  storageReadings: MeterReadingData[];
}

export interface GridSimulationOptions {
  seed: number | string;
  meters: number;
  /** UTC instant aligned to the quarter hour. */
  start: string | number | Date;
  /** Number of Europe/Berlin calendar days: the run ends at the same local wall-clock time `days` days later. */
  days: number;
  resolutionMinutes: 15 | 1;
  profiles: LoadProfileSet;
  /** Reuse a topology (must have been generated for the same seed to keep ids consistent). */
  topology?: GridTopology;
  /** See TopologyOptions.undersizedStations (ignored with `topology`). */
  undersizedStations?: number;
}

export interface GridSimulation {
  readonly topology: GridTopology;
  readonly resolutionMinutes: 15 | 1;
  readonly startMs: number;
  readonly endMs: number;
  readonly stepCount: number;
  /** Index of the step {@link nextStep} produces next. */
  readonly position: number;
  stepStartMs(index: number): number;
  /** Produces the events of the next step for all meters and batteries, or undefined at the end. */
  nextStep(): SimulationStep | undefined;
  steps(): IterableIterator<SimulationStep>;
  /** Routes a dispatch command to a fleet battery; it overrides the local policy while valid. */
  applyBatteryCommand(assetId: string, command: BatteryCommand): void;
  /**
   * Inspection (stateless, does not advance the simulation): gross consumption before PV and home battery
   * of every metering point in the quarter hour starting at `quarterStartMs`, fractional Wh, topology order.
   */
  grossLoadWh(quarterStartMs: number, out?: Float64Array): Float64Array;
  /** Inspection (stateless): PV generation of every metering point in that quarter hour, fractional Wh. */
  pvGenerationWh(quarterStartMs: number, out?: Float64Array): Float64Array;
  /** Inspection: the current internal state of a fleet battery (stored energy, cumulative AC throughput). */
  batteryState(assetId: string): Readonly<BatteryState>;
}

/** Deterministic CloudEvents id of a reading (idempotency key downstream). */
export function readingEventId(data: Pick<MeterReadingData, 'meterPointId' | 'intervalStart'>): string {
  return `${data.meterPointId}/${data.intervalStart}`;
}

/** Deterministic CloudEvents id of a battery telemetry record. */
export function batteryTelemetryEventId(data: Pick<BatteryTelemetryData, 'assetId' | 'time'>): string {
  return `${data.assetId}/${data.time}`;
}

/** Noise model: multiplicative lognormal, mean 1; daily, smooth hourly and quarter-hourly components. */
const SIGMA_DAY = 0.06;
const SIGMA_HOUR = 0.2;
const SIGMA_QUARTER = 0.15;
/** Relative noise by customer type: businesses and farms are steadier than single households. */
const NOISE_SCALE: Record<CustomerType, number> = {
  household: 1,
  'household-pv': 1,
  'household-pv-storage': 1,
  commerce: 0.6,
  agriculture: 0.6,
};
/** Profile driving the gross consumption: every household type consumes like a household (H25). */
const GROSS_PROFILE: Record<CustomerType, BdewProfileId> = {
  household: 'H25',
  'household-pv': 'H25',
  'household-pv-storage': 'H25',
  commerce: 'G25',
  agriculture: 'L25',
};
const GROSS_PROFILES: readonly BdewProfileId[] = ['H25', 'G25', 'L25'];
/** 1-minute split: relative s.d. of the minute weights inside a quarter hour. */
const SIGMA_MINUTE = 0.15;
/** Home battery (household-pv-storage): 0.5 C, 90 % round trip, 5-100 % SoC window. */
const HOME_BATTERY_C_RATE = 0.5;
const HOME_BATTERY_SQRT_ETA = sqrt(0.9);
const HOME_BATTERY_MIN_SOC = 0.05;
/** Typical specific yield (Wh per Wp and year) used only to seed plausible initial export registers. */
const SPECIFIC_YIELD_WH_PER_WP = 950;
const YEAR_MS = 365.25 * 24 * 60 * MINUTE_MS;

function toMs(v: string | number | Date): number {
  if (typeof v === 'number') return v;
  if (v instanceof Date) return v.getTime();
  const ms = Date.parse(v);
  if (Number.isNaN(ms)) throw new RangeError(`start is not an ISO instant: '${v}'`);
  return ms;
}

class GridSimulationImpl implements GridSimulation {
  readonly topology: GridTopology;
  readonly resolutionMinutes: 15 | 1;
  readonly startMs: number;
  readonly endMs: number;
  readonly stepCount: number;
  private pos = 0;

  private readonly n: number;
  private readonly ids: string[];
  private readonly annualWh: Float64Array;
  private readonly grossProfileIdx: Uint8Array;
  private readonly noiseKey: Int32Array;
  private readonly noiseScale: Float64Array;
  private readonly pvPeakW: Float64Array;
  private readonly pvSiteStatic: Float64Array;
  private readonly pvKey: Int32Array;
  private readonly homeCapWh: Float64Array;
  private readonly homeSocWh: Float64Array;
  private readonly stationOf: Int32Array;
  private readonly registerBaseImport: Float64Array;
  private readonly registerBaseExport: Float64Array;
  /** exact cumulative energy at the start of the current quarter hour */
  private readonly cumImport: Float64Array;
  private readonly cumExport: Float64Array;
  /** cumulative emitted (rounded) energy */
  private readonly roundedImport: Float64Array;
  private readonly roundedExport: Float64Array;
  /** exact energy of the current quarter hour (after PV and home battery) */
  private readonly quarterImport: Float64Array;
  private readonly quarterExport: Float64Array;
  /** 1-minute mode: cumulative fraction of the quarter reached after each minute, 15 per meter */
  private readonly minuteCum: Float64Array;
  private readonly loadBuf: Float64Array;
  private readonly pvBuf: Float64Array;
  private readonly stationNetWh: Float64Array;

  private readonly profiles: LoadProfile[];
  private readonly weather: CityWeather;
  private readonly batteryStates: BatteryState[];
  private readonly batteryStation: Int32Array;
  private readonly commands = new Map<string, BatteryCommandSchedule>();
  private readonly batteryThresholds: LocalRuleThresholds[];
  /** storage meters: cumulative emitted (rounded) import / export, register bases */
  private readonly storageRounded: Float64Array;
  private readonly storageRegisterBase: Float64Array;
  private readonly shares = new Float64Array(GROSS_PROFILES.length);
  private dayCacheKey = -1;
  private dayCacheQuarters = 96;
  private dayCacheType: 'WT' | 'SA' | 'FT' = 'WT';

  constructor(options: GridSimulationOptions) {
    const { seed } = options;
    if (options.resolutionMinutes !== 15 && options.resolutionMinutes !== 1) {
      throw new RangeError(`resolutionMinutes must be 15 or 1, got ${String(options.resolutionMinutes)}`);
    }
    this.resolutionMinutes = options.resolutionMinutes;
    this.startMs = toMs(options.start);
    if (this.startMs % QUARTER_HOUR_MS !== 0)
      throw new RangeError(
        `start must be aligned to the quarter hour: ${new Date(this.startMs).toISOString()}`,
      );
    if (!(options.days > 0) || !Number.isInteger(options.days))
      throw new RangeError(`days must be a positive integer, got ${options.days}`);
    const l = localDate(this.startMs);
    const dayStart = startOfLocalDayUtc(l.year, l.month, l.day);
    const endDay = addDays(l.year, l.month, l.day, options.days);
    this.endMs = startOfLocalDayUtc(endDay.year, endDay.month, endDay.day) + (this.startMs - dayStart);
    this.stepCount = round((this.endMs - this.startMs) / (this.resolutionMinutes * MINUTE_MS));

    this.topology =
      options.topology ??
      generateTopology({
        seed,
        meters: options.meters,
        undersizedStations: options.undersizedStations,
      });
    this.profiles = GROSS_PROFILES.map((id) => options.profiles[id]);
    this.weather = new CityWeather(seed);

    const mps = this.topology.meteringPoints;
    const n = mps.length;
    this.n = n;
    this.ids = mps.map((m) => m.meterPointId);
    this.annualWh = new Float64Array(n);
    this.grossProfileIdx = new Uint8Array(n);
    this.noiseKey = new Int32Array(n);
    this.noiseScale = new Float64Array(n);
    this.pvPeakW = new Float64Array(n);
    this.pvSiteStatic = new Float64Array(n);
    this.pvKey = new Int32Array(n);
    this.homeCapWh = new Float64Array(n);
    this.homeSocWh = new Float64Array(n);
    this.stationOf = new Int32Array(n);
    this.registerBaseImport = new Float64Array(n);
    this.registerBaseExport = new Float64Array(n);
    this.cumImport = new Float64Array(n);
    this.cumExport = new Float64Array(n);
    this.roundedImport = new Float64Array(n);
    this.roundedExport = new Float64Array(n);
    this.quarterImport = new Float64Array(n);
    this.quarterExport = new Float64Array(n);
    this.minuteCum = new Float64Array(this.resolutionMinutes === 1 ? n * 15 : 0);
    this.loadBuf = new Float64Array(n);
    this.pvBuf = new Float64Array(n);
    const stationIndex = new Map(
      this.topology.secondarySubstations.map((s, i) => [s.secondarySubstationId, i]),
    );
    this.stationNetWh = new Float64Array(this.topology.secondarySubstations.length);
    // registers start as if the meter had run for 2-8 years at its annual consumption before the epoch below,
    // plus the time from that epoch to the start, so runs with different starts give plausible registers
    const yearsSinceEpoch = max(0, (this.startMs - Date.UTC(2024, 0, 1)) / YEAR_MS);
    for (let i = 0; i < n; i++) {
      const m = mps[i];
      this.annualWh[i] = m.annualConsumptionWh;
      this.grossProfileIdx[i] = GROSS_PROFILES.indexOf(GROSS_PROFILE[m.customerType]);
      this.noiseKey[i] = deriveSeed(seed, 'noise', m.meterPointId) | 0;
      this.noiseScale[i] = NOISE_SCALE[m.customerType];
      this.pvPeakW[i] = m.pvPeakW ?? 0;
      const pvSeed = deriveSeed(seed, 'pv-site', m.meterPointId);
      this.pvKey[i] = pvSeed | 0;
      this.pvSiteStatic[i] = 0.85 + 0.15 * unitAt(pvSeed, 1);
      this.homeCapWh[i] = m.homeStorageWh ?? 0;
      this.homeSocWh[i] = this.homeCapWh[i] * 0.3;
      this.stationOf[i] = stationIndex.get(m.secondarySubstationId) ?? 0;
      const regSeed = deriveSeed(seed, 'register', m.meterPointId);
      const age = 2 + 6 * unitAt(regSeed, 1) + yearsSinceEpoch;
      this.registerBaseImport[i] = round(m.annualConsumptionWh * age * 0.8);
      this.registerBaseExport[i] =
        m.pvPeakW === null ? 0 : round(m.pvPeakW * SPECIFIC_YIELD_WH_PER_WP * age * 0.6);
    }
    const ambient = ambientTemperatureC(this.startMs);
    this.batteryStates = this.topology.batteries.map((b) => initialBatteryState(b, ambient));
    this.batteryStation = Int32Array.from(
      this.topology.batteries.map((b) => stationIndex.get(b.secondarySubstationId) ?? 0),
    );
    this.batteryThresholds = this.topology.batteries.map((_b, i) =>
      localRuleThresholds(this.topology.secondarySubstations[this.batteryStation[i]]?.ratedKva ?? 250),
    );
    this.storageRounded = new Float64Array(this.topology.batteries.length * 2);
    this.storageRegisterBase = Float64Array.from(
      this.topology.batteries.flatMap((b) => {
        const r = deriveSeed(seed, 'register', b.meterPointId);
        return [
          round(b.nominalCapacityWh * 300 * unitAt(r, 1)),
          round(b.nominalCapacityWh * 280 * unitAt(r, 2)),
        ];
      }),
    );
  }

  get position(): number {
    return this.pos;
  }

  stepStartMs(index: number): number {
    return this.startMs + index * this.resolutionMinutes * MINUTE_MS;
  }

  applyBatteryCommand(assetId: string, command: BatteryCommand): void {
    if (!this.topology.batteries.some((b) => b.assetId === assetId))
      throw new RangeError(`unknown battery asset '${assetId}'`);
    let schedule = this.commands.get(assetId);
    if (!schedule) {
      schedule = new BatteryCommandSchedule();
      this.commands.set(assetId, schedule);
    }
    schedule.add(command);
  }

  batteryState(assetId: string): Readonly<BatteryState> {
    const i = this.topology.batteries.findIndex((b) => b.assetId === assetId);
    if (i < 0) throw new RangeError(`unknown battery asset '${assetId}'`);
    return { ...this.batteryStates[i] };
  }

  /** Per-step shared values: share of the annual consumption per gross profile. */
  private computeShares(quarterStartMs: number): void {
    const l = localDate(quarterStartMs);
    const dayKey = l.year * 10000 + l.month * 100 + l.day;
    if (dayKey !== this.dayCacheKey) {
      this.dayCacheKey = dayKey;
      this.dayCacheQuarters = quarterHoursInLocalDay(l.year, l.month, l.day);
      this.dayCacheType = dayType(l.year, l.month, l.day);
    }
    for (let p = 0; p < this.profiles.length; p++) {
      this.shares[p] = quarterHourShare(this.profiles[p], l, this.dayCacheQuarters, this.dayCacheType);
    }
  }

  grossLoadWh(quarterStartMs: number, out: Float64Array = new Float64Array(this.n)): Float64Array {
    this.computeShares(quarterStartMs);
    const qIndex = floor(quarterStartMs / QUARTER_HOUR_MS);
    const hIndex = floor(qIndex / 4);
    const t = (qIndex - hIndex * 4 + 0.5) / 4;
    const u = 1 - t;
    // variance of the interpolated hourly component is (u² + t²)·σh², subtracted so the mean stays 1
    const baseHalfVar =
      0.5 *
      (SIGMA_DAY * SIGMA_DAY + SIGMA_HOUR * SIGMA_HOUR * (u * u + t * t) + SIGMA_QUARTER * SIGMA_QUARTER);
    const day = weatherDay(quarterStartMs);
    const shares = this.shares;
    const annual = this.annualWh;
    const idx = this.grossProfileIdx;
    const keys = this.noiseKey;
    const scale = this.noiseScale;
    for (let i = 0; i < this.n; i++) {
      const key = keys[i];
      const c = scale[i];
      const z =
        SIGMA_DAY * normalAt(key, day) +
        SIGMA_HOUR * (u * normalAt(key ^ 0x68b3, hIndex) + t * normalAt(key ^ 0x68b3, hIndex + 1)) +
        SIGMA_QUARTER * normalAt(key ^ 0x2f1d9, qIndex);
      out[i] = annual[i] * shares[idx[i]] * exp(c * z - c * c * baseHalfVar);
    }
    return out;
  }

  pvGenerationWh(quarterStartMs: number, out: Float64Array = new Float64Array(this.n)): Float64Array {
    const yieldWp = pvYieldWhPerWp(this.weather, quarterStartMs, 15);
    const hIndex = floor(quarterStartMs / 3_600_000);
    const peak = this.pvPeakW;
    for (let i = 0; i < this.n; i++) {
      if (peak[i] === 0 || yieldWp === 0) {
        out[i] = 0;
        continue;
      }
      const local = 1 + 0.05 * normalAt(this.pvKey[i], hIndex);
      out[i] = peak[i] * yieldWp * this.pvSiteStatic[i] * (local < 0.8 ? 0.8 : local > 1.2 ? 1.2 : local);
    }
    return out;
  }

  /** Exact import/export of every meter for the quarter hour (PV and home battery applied). */
  private prepareQuarter(quarterStartMs: number): void {
    const load = this.grossLoadWh(quarterStartMs, this.loadBuf);
    const pv = this.pvGenerationWh(quarterStartMs, this.pvBuf);
    const qi = this.quarterImport;
    const qe = this.quarterExport;
    for (let i = 0; i < this.n; i++) {
      let net = load[i] - pv[i];
      const cap = this.homeCapWh[i];
      if (cap > 0) {
        const maxAc = cap * HOME_BATTERY_C_RATE * 0.25; // Wh per quarter hour at 0.5 C
        let soc = this.homeSocWh[i];
        if (net < 0) {
          const charge = min(-net, maxAc, (cap - soc) / HOME_BATTERY_SQRT_ETA);
          soc += charge * HOME_BATTERY_SQRT_ETA;
          net += charge;
        } else if (net > 0) {
          const discharge = min(net, maxAc, max(0, soc - cap * HOME_BATTERY_MIN_SOC) * HOME_BATTERY_SQRT_ETA);
          soc -= discharge / HOME_BATTERY_SQRT_ETA;
          net -= discharge;
        }
        this.homeSocWh[i] = soc;
      }
      qi[i] = net > 0 ? net : 0;
      qe[i] = net < 0 ? -net : 0;
    }
    if (this.resolutionMinutes === 1) {
      const minuteBase = floor(quarterStartMs / MINUTE_MS);
      const mc = this.minuteCum;
      for (let i = 0; i < this.n; i++) {
        const key = this.noiseKey[i] ^ 0x5a5a5;
        const o = i * 15;
        let sum = 0;
        for (let k = 0; k < 15; k++) {
          const w = 1 + SIGMA_MINUTE * normalAt(key, minuteBase + k);
          sum += w < 0.3 ? 0.3 : w;
          mc[o + k] = sum;
        }
        for (let k = 0; k < 14; k++) mc[o + k] /= sum;
        mc[o + 14] = 1;
      }
    }
  }

  nextStep(): SimulationStep | undefined {
    if (this.pos >= this.stepCount) return undefined;
    const k = this.pos++;
    const res = this.resolutionMinutes;
    const startMs = this.stepStartMs(k);
    const endMs = startMs + res * MINUTE_MS;
    const sub = res === 15 ? 0 : k % 15;
    const last = res === 15 || sub === 14;
    if (sub === 0) this.prepareQuarter(startMs);
    const intervalStart = new Date(startMs).toISOString();
    const intervalEnd = new Date(endMs).toISOString();
    const resolution = res === 15 ? 'PT15M' : 'PT1M';
    const n = this.n;
    const readings = new Array<MeterReadingData>(n);
    const stationNet = this.stationNetWh;
    stationNet.fill(0);
    const cumI = this.cumImport;
    const cumE = this.cumExport;
    const rI = this.roundedImport;
    const rE = this.roundedExport;
    const qI = this.quarterImport;
    const qE = this.quarterExport;
    const mc = this.minuteCum;
    for (let i = 0; i < n; i++) {
      const w = last ? 1 : mc[i * 15 + sub];
      const targetI = cumI[i] + qI[i] * w;
      const targetE = cumE[i] + qE[i] * w;
      if (last) {
        cumI[i] = targetI;
        cumE[i] = targetE;
      }
      const roundI = round(targetI);
      const roundE = round(targetE);
      const importWh = roundI - rI[i];
      const exportWh = roundE - rE[i];
      rI[i] = roundI;
      rE[i] = roundE;
      stationNet[this.stationOf[i]] += importWh - exportWh;
      readings[i] = {
        meterPointId: this.ids[i],
        intervalStart,
        intervalEnd,
        resolution,
        importWh,
        exportWh,
        registerImportWh: this.registerBaseImport[i] + roundI,
        registerExportWh: this.registerBaseExport[i] + roundE,
        quality: 'measured',
      };
    }

    const batteries = new Array<BatteryTelemetryData>(this.batteryStates.length);
    const local = localDate(startMs);
    const ambient = ambientTemperatureC(startMs);
    const toW = 60 / res;
    const storageReadings = new Array<MeterReadingData>(batteries.length);
    for (let b = 0; b < batteries.length; b++) {
      const spec = this.topology.batteries[b];
      const state = this.batteryStates[b];
      const net = stationNet[this.batteryStation[b]] * toW;
      const schedule = this.commands.get(spec.assetId);
      schedule?.prune(startMs);
      const { powerW, mode, control } = stepBattery(spec, state, {
        intervalStartMs: startMs,
        minutes: res,
        localSurplusW: net < 0 ? -net : 0,
        localLoadW: net > 0 ? net : 0,
        localMinuteOfDay: local.minuteOfDay,
        ambientC: ambient,
        thresholds: this.batteryThresholds[b],
        command: schedule?.activeAt(startMs),
      });
      // BMS: half power when the pack is hot (> 45 °C)
      const derate = state.temperatureC > 45 ? 0.5 : 1;
      batteries[b] = {
        assetId: spec.assetId,
        time: intervalEnd,
        stateOfChargePct: stateOfChargePct(spec, state),
        powerW,
        usableCapacityWh: round(state.usableCapacityWh),
        stateOfHealthPct: round(state.stateOfHealthPct * 100) / 100,
        temperatureC: round(state.temperatureC * 10) / 10,
        mode,
        control,
        maxChargeW: floor(spec.maxChargeW * derate),
        maxDischargeW: floor(spec.maxDischargeW * derate),
      };
      const ri = round(state.chargedWh);
      const re = round(state.dischargedWh);
      storageReadings[b] = {
        meterPointId: spec.meterPointId,
        intervalStart,
        intervalEnd,
        resolution,
        importWh: ri - this.storageRounded[2 * b],
        exportWh: re - this.storageRounded[2 * b + 1],
        registerImportWh: this.storageRegisterBase[2 * b] + ri,
        registerExportWh: this.storageRegisterBase[2 * b + 1] + re,
        quality: 'measured',
      };
      this.storageRounded[2 * b] = ri;
      this.storageRounded[2 * b + 1] = re;
    }
    return { index: k, intervalStart, intervalEnd, readings, batteries, storageReadings };
  }

  *steps(): IterableIterator<SimulationStep> {
    for (let s = this.nextStep(); s !== undefined; s = this.nextStep()) yield s;
  }
}

/**
 * Creates a deterministic simulation of the virtual Leipzig grid. Everything random derives from
 * (seed, entity id) and the time stamp, so the same options always give the same events.
 */
export function createGridSimulation(options: GridSimulationOptions): GridSimulation {
  return new GridSimulationImpl(options);
}
