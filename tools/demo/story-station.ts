import { createGridSimulation, type GridTopology, type LoadProfileSet } from '@gridwerk/simulator/domain';
import { addDays, localDate, startOfLocalDayUtc } from '@gridwerk/shared/util-calendar';

/**
 * ONS-0001's story in the demo: a station whose transformer its evening peak has outgrown, and a
 * second-life battery behind it that can carry the station through that peak when it is planned.
 *
 * A fixed rating cannot tell that story all year: the station's winter evening peak is about 1.5 times its
 * summer one, so a transformer that overloads in July carries a January evening for hours above its rating,
 * more than any battery of its size could bridge, and one sized for January never overloads in July. So
 * the demo sizes the station for the days it shows, from the same simulation the simulator runs: the
 * largest preferred transformer size (IEC 60076-1, R10 series) at most `overloadShare` below each day's
 * evening peak (16:00 to 22:00), and a battery whose SoC window holds `energyMargin` times the worst
 * day's energy above that rating, with the converter power for `powerMargin` times its worst excess (at least 0.25 C).
 */
export const STORY_STATION = 'ONS-0001';

/** Preferred rated powers of distribution transformers, kVA (IEC 60076-1, R10 series). */
export const TRANSFORMER_SIZES_KVA = [50, 63, 80, 100, 125, 160, 200, 250, 315, 400, 500, 630, 800, 1000];

export interface StorySizingOptions {
  /** cos φ turning kVA into kW (the dispatch service's and the alarm rules' default). */
  powerFactor: number;
  /** The rating is at most this share below every day's peak (the overload is never marginal). */
  overloadShare: number;
  /** SoC window × usable capacity ≥ this × the worst day's energy above the rating. */
  energyMargin: number;
  /** Converter power ≥ this × the worst excess above the rating. */
  powerMargin: number;
}

export const STORY_SIZING: StorySizingOptions = {
  powerFactor: 0.95,
  overloadShare: 0.05,
  energyMargin: 1.5,
  powerMargin: 1.3,
};

/** The second-life pack behind the story station: state of health and SoC window. */
const PACK = { stateOfHealthPct: 85, minSocPct: 10, maxSocPct: 95, roundTripEfficiency: 0.88 };

export interface DayLoad {
  /** Local day, YYYY-MM-DD (Europe/Berlin). */
  day: string;
  startMs: number;
  /** Net import of the station's meters (no battery), W per quarter hour of the local day. */
  loadW: number[];
}

export interface StorySizing {
  ratedKva: number;
  ratingW: number;
  battery: {
    nominalCapacityWh: number;
    usableCapacityWh: number;
    maxChargeW: number;
    maxDischargeW: number;
  };
  days: {
    day: string;
    peakW: number;
    /** Energy above the rating without the battery, Wh. */
    energyAboveWh: number;
    minutesAbove: number;
  }[];
}

/** Start (UTC ms) of the local day containing `ms`. */
export function localDayStart(ms: number): number {
  const l = localDate(ms);
  return startOfLocalDayUtc(l.year, l.month, l.day);
}

/**
 * The station's meter load per local day from `fromMs`'s day on, from the simulation the simulator runs
 * (same seed, topology and profiles: the batteries do not change the meters).
 */
export function stationDayLoads(opts: {
  topology: GridTopology;
  seed: number | string;
  profiles: LoadProfileSet;
  stationId: string;
  fromMs: number;
  days: number;
}): DayLoad[] {
  const first = localDayStart(opts.fromMs);
  const members = new Set(
    opts.topology.meteringPoints
      .filter((m) => m.secondarySubstationId === opts.stationId)
      .map((m) => m.meterPointId),
  );
  const sim = createGridSimulation({
    seed: opts.seed,
    meters: opts.topology.meteringPoints.length,
    start: first,
    days: opts.days,
    resolutionMinutes: 15,
    profiles: opts.profiles,
    topology: opts.topology,
  });
  const out: DayLoad[] = [];
  const l0 = localDate(first);
  for (let d = 0; d < opts.days; d++) {
    const l = addDays(l0.year, l0.month, l0.day, d);
    const n = addDays(l0.year, l0.month, l0.day, d + 1);
    const startMs = startOfLocalDayUtc(l.year, l.month, l.day);
    const steps = Math.round((startOfLocalDayUtc(n.year, n.month, n.day) - startMs) / 900_000);
    const loadW: number[] = [];
    for (let k = 0; k < steps; k++) {
      const s = sim.nextStep();
      if (!s) throw new Error(`the simulation ended before ${new Date(startMs + k * 900_000).toISOString()}`);
      let wh = 0;
      for (const r of s.readings) if (members.has(r.meterPointId)) wh += r.importWh - r.exportWh;
      loadW.push(wh * 4);
    }
    const day = `${l.year}-${String(l.month).padStart(2, '0')}-${String(l.day).padStart(2, '0')}`;
    out.push({ day, startMs, loadW });
  }
  return out;
}

/** Energy (Wh) and minutes above `ratingW` of a day's quarter-hour load. */
export function aboveRating(loadW: readonly number[], ratingW: number) {
  let energyAboveWh = 0;
  let minutesAbove = 0;
  for (const w of loadW)
    if (w > ratingW) {
      energyAboveWh += (w - ratingW) / 4;
      minutesAbove += 15;
    }
  return { energyAboveWh: Math.round(energyAboveWh), minutesAbove };
}

/** The evening peak of a day: the highest quarter-hour load from 16:00 to 22:00 local time, W. */
export function eveningPeakW(d: DayLoad): number {
  let peak = -Infinity;
  d.loadW.forEach((w, k) => {
    const minute = localDate(d.startMs + k * 900_000).minuteOfDay;
    if (minute >= 16 * 60 && minute < 22 * 60) peak = Math.max(peak, w);
  });
  return peak;
}

/** The sizing of the story station for the days the demo shows (see the file's comment). */
export function sizeStoryStation(
  days: readonly DayLoad[],
  o: StorySizingOptions = STORY_SIZING,
): StorySizing {
  if (days.length === 0) throw new RangeError('sizeStoryStation needs at least one day');
  const minPeakW = Math.min(...days.map(eveningPeakW));
  const ratedKva =
    [...TRANSFORMER_SIZES_KVA]
      .reverse()
      .find((kva) => kva * o.powerFactor * 1000 <= minPeakW * (1 - o.overloadShare)) ??
    TRANSFORMER_SIZES_KVA[0];
  const ratingW = ratedKva * o.powerFactor * 1000;
  const perDay = days.map((d) => ({
    day: d.day,
    peakW: Math.max(...d.loadW),
    ...aboveRating(d.loadW, ratingW),
  }));
  const worstEnergyWh = Math.max(...perDay.map((d) => d.energyAboveWh));
  const worstExcessW = Math.max(...perDay.map((d) => d.peakW - ratingW));
  const window = (PACK.maxSocPct - PACK.minSocPct) / 100;
  const usableCapacityWh = Math.ceil((o.energyMargin * worstEnergyWh) / window / 10_000) * 10_000;
  // a converter of at least 0.25 C, as second-life packs are built (long, shallow overloads need little)
  const powerW = Math.ceil(Math.max(o.powerMargin * worstExcessW, usableCapacityWh / 4) / 5_000) * 5_000;
  return {
    ratedKva,
    ratingW,
    battery: {
      nominalCapacityWh: Math.round(usableCapacityWh / (PACK.stateOfHealthPct / 100)),
      usableCapacityWh,
      maxChargeW: powerW,
      maxDischargeW: powerW,
    },
    days: perDay,
  };
}

/** A copy of the topology with the story station and its battery sized. */
export function withStorySizing(
  topology: GridTopology,
  sizing: StorySizing,
  stationId = STORY_STATION,
): GridTopology {
  const t = structuredClone(topology);
  const ons = t.secondarySubstations.find((s) => s.secondarySubstationId === stationId);
  const bat = t.batteries.find((b) => b.secondarySubstationId === stationId);
  if (!ons || !bat)
    throw new Error(`the topology has no ${stationId} with a battery behind it: use more meters`);
  ons.ratedKva = sizing.ratedKva;
  Object.assign(bat, {
    ...sizing.battery,
    stateOfHealthPct: PACK.stateOfHealthPct,
    roundTripEfficiency: PACK.roundTripEfficiency,
    minSocPct: PACK.minSocPct,
    maxSocPct: PACK.maxSocPct,
  });
  return t;
}
