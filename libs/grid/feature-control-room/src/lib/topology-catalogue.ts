import type { TopologyModel } from '@gridwerk/grid/read-model';

/**
 * The topology as the control room browses it at city scale (70 substations, ~500 feeders, ~2,800
 * secondary substations, 350,000 meter points): aggregates per substation and feeder, and a searchable,
 * filterable, paged list of stations. Built once per topology (O(meters)); every request is then
 * O(stations) at most and answers a few kilobytes instead of the whole tree with every meter id.
 * Pure: live values come in through a lookup.
 */

/** Loading limits of the overview, as the dashboard colours them (lib/loading.ts): high ≥ 85 %, overload ≥ 100 %. */
export const HIGH_LOADING_PCT = 85;
export const OVERLOAD_PCT = 100;
export const MAX_PAGE = 200;
export const DEFAULT_PAGE = 50;

export interface LiveReading {
  powerW: number;
  observedAt: string;
}

export type LiveLookup = (nodeId: string) => LiveReading | undefined;

export interface StationEntry {
  id: string;
  name: string;
  street: string | null;
  feederId: string;
  substationId: string;
  ratedKva: number;
  meterPointCount: number;
  batteryCount: number;
}

interface FeederEntry {
  id: string;
  name: string;
  substationId: string;
  stations: StationEntry[];
}

interface SubstationEntry {
  id: string;
  name: string;
  ratedMva: number | null;
  feeders: FeederEntry[];
}

export interface Aggregate {
  stationCount: number;
  meterPointCount: number;
  batteryCount: number;
  ratedKva: number;
  /** Stations with a live value at or above HIGH_LOADING_PCT / OVERLOAD_PCT. */
  stationsHigh: number;
  stationsOverloaded: number;
  /** The highest station loading with a live value, % of rated kVA (null: no live value yet). */
  maxStationLoadingPct: number | null;
  powerW: number | null;
  observedAt: string | null;
}

export interface FeederSummary extends Aggregate {
  id: string;
  name: string;
}

export interface SubstationSummary extends Aggregate {
  id: string;
  name: string;
  ratedMva: number | null;
  feeders: FeederSummary[];
}

export interface GridSummary {
  totals: {
    substations: number;
    feeders: number;
    secondarySubstations: number;
    meterPoints: number;
    batteries: number;
    stationsHigh: number;
    stationsOverloaded: number;
  };
  substations: SubstationSummary[];
}

export interface StationView extends StationEntry {
  powerW: number | null;
  loadingPct: number | null;
  observedAt: string | null;
}

export interface StationQuery {
  /** Case- and accent-insensitive substring of id, name or street ('strasse' finds 'Straße'). */
  q?: string;
  minLoadingPct?: number;
  substationId?: string;
  feederId?: string;
  limit: number;
  /** Position in the ordering, from a previous page's nextCursor. */
  offset: number;
}

export interface StationPage {
  items: StationView[];
  total: number;
  /** Offset of the next page, or null when this was the last one. */
  nextOffset: number | null;
}

export type CatalogueNodeKind = 'substation' | 'feeder' | 'secondary_substation';

export interface CatalogueNode {
  id: string;
  kind: CatalogueNodeKind;
  name: string;
  street: string | null;
  substationId: string;
  feederId: string | null;
  ratedKva: number | null;
  ratedMva: number | null;
  meterPointCount: number;
  batteries: { assetId: string; nominalCapacityWh: number }[];
  children: { id: string; kind: CatalogueNodeKind; name: string; street: string | null }[];
}

/** Lower case, without accents, ß as ss: what an operator types and what we compare with. */
export function searchKey(s: string): string {
  return s
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/ß/g, 'ss');
}

export function loadingPctOf(powerW: number, ratedKva: number): number {
  return ratedKva > 0 ? (Math.abs(powerW) / (ratedKva * 1000)) * 100 : 0;
}

const round1 = (x: number): number => Math.round(x * 10) / 10;

export class TopologyCatalogue {
  private readonly substations: SubstationEntry[];
  private readonly stationsById = new Map<string, StationEntry>();
  private readonly feedersById = new Map<string, FeederEntry>();
  private readonly substationsById = new Map<string, SubstationEntry>();
  private readonly batteriesOf = new Map<string, { assetId: string; nominalCapacityWh: number }[]>();
  /** Stations in id order, each with its search key. */
  private readonly stations: { entry: StationEntry; key: string }[];

  constructor(model: TopologyModel) {
    const meters = new Map<string, number>();
    for (const m of model.meters)
      meters.set(m.secondarySubstationId, (meters.get(m.secondarySubstationId) ?? 0) + 1);
    for (const b of model.batteries) {
      const list = this.batteriesOf.get(b.secondarySubstationId) ?? [];
      list.push({ assetId: b.id, nominalCapacityWh: b.nominalCapacityWh });
      this.batteriesOf.set(b.secondarySubstationId, list);
    }
    this.substations = model.substations.map((s) => ({
      id: s.id,
      name: s.name,
      ratedMva: s.ratedMva,
      feeders: [],
    }));
    for (const s of this.substations) this.substationsById.set(s.id, s);
    for (const f of model.feeders) {
      const sub = this.substationsById.get(f.substationId);
      if (!sub) continue;
      const entry: FeederEntry = { id: f.id, name: f.name, substationId: f.substationId, stations: [] };
      sub.feeders.push(entry);
      this.feedersById.set(f.id, entry);
    }
    this.stations = [];
    for (const s of [...model.secondarySubstations].sort((a, b) => a.id.localeCompare(b.id))) {
      const feeder = this.feedersById.get(s.feederId);
      if (!feeder) continue;
      const entry: StationEntry = {
        id: s.id,
        name: s.name,
        street: s.street,
        feederId: s.feederId,
        substationId: feeder.substationId,
        ratedKva: s.ratedKva,
        meterPointCount: meters.get(s.id) ?? 0,
        batteryCount: this.batteriesOf.get(s.id)?.length ?? 0,
      };
      feeder.stations.push(entry);
      this.stationsById.set(s.id, entry);
      this.stations.push({ entry, key: searchKey(`${s.id}\n${s.name}\n${s.street ?? ''}`) });
    }
  }

  /** Substations → feeders with counts, ratings and live loading; stations only as counts. */
  summary(perimeter: readonly string[] | undefined, live: LiveLookup): GridSummary {
    const totals: GridSummary['totals'] = {
      substations: 0,
      feeders: 0,
      secondarySubstations: 0,
      meterPoints: 0,
      batteries: 0,
      stationsHigh: 0,
      stationsOverloaded: 0,
    };
    const substations: SubstationSummary[] = [];
    for (const sub of this.substations) {
      if (perimeter !== undefined && !perimeter.includes(sub.id)) continue;
      const feeders = sub.feeders.map((f) => ({
        id: f.id,
        name: f.name,
        ...this.aggregate(f.stations, live(f.id), live),
      }));
      const agg = combine(feeders, live(sub.id));
      substations.push({ id: sub.id, name: sub.name, ratedMva: sub.ratedMva, ...agg, feeders });
      totals.substations++;
      totals.feeders += feeders.length;
      totals.secondarySubstations += agg.stationCount;
      totals.meterPoints += agg.meterPointCount;
      totals.batteries += agg.batteryCount;
      totals.stationsHigh += agg.stationsHigh;
      totals.stationsOverloaded += agg.stationsOverloaded;
    }
    return { totals, substations };
  }

  /**
   * Stations matching the query, in a stable order: by loading (highest first, then id) when a loading
   * threshold is asked for, else by id. Offsets page through that order; a loading order moves with the
   * live values, so a later page may repeat or miss a station whose loading changed in between.
   */
  searchStations(
    query: StationQuery,
    perimeter: readonly string[] | undefined,
    live: LiveLookup,
  ): StationPage {
    const needle = query.q ? searchKey(query.q.trim()) : '';
    const matches: StationView[] = [];
    for (const { entry, key } of this.stations) {
      if (perimeter !== undefined && !perimeter.includes(entry.substationId)) continue;
      if (query.substationId !== undefined && entry.substationId !== query.substationId) continue;
      if (query.feederId !== undefined && entry.feederId !== query.feederId) continue;
      if (needle && !key.includes(needle)) continue;
      const view = this.view(entry, live);
      if (
        query.minLoadingPct !== undefined &&
        (view.loadingPct === null || view.loadingPct < query.minLoadingPct)
      )
        continue;
      matches.push(view);
    }
    if (query.minLoadingPct !== undefined)
      matches.sort((a, b) => (b.loadingPct ?? 0) - (a.loadingPct ?? 0) || a.id.localeCompare(b.id));
    const items = matches.slice(query.offset, query.offset + query.limit);
    const next = query.offset + items.length;
    return { items, total: matches.length, nextOffset: next < matches.length ? next : null };
  }

  station(id: string, live: LiveLookup): StationView | undefined {
    const e = this.stationsById.get(id);
    return e && this.view(e, live);
  }

  /** One substation, feeder or station with its place in the tree and its children (no meter ids). */
  node(id: string): CatalogueNode | undefined {
    const sub = this.substationsById.get(id);
    if (sub)
      return {
        id,
        kind: 'substation',
        name: sub.name,
        street: null,
        substationId: id,
        feederId: null,
        ratedKva: null,
        ratedMva: sub.ratedMva,
        meterPointCount: sub.feeders.reduce((n, f) => n + sumMeters(f.stations), 0),
        batteries: [],
        children: sub.feeders.map((f) => ({ id: f.id, kind: 'feeder', name: f.name, street: null })),
      };
    const feeder = this.feedersById.get(id);
    if (feeder)
      return {
        id,
        kind: 'feeder',
        name: feeder.name,
        street: null,
        substationId: feeder.substationId,
        feederId: id,
        ratedKva: feeder.stations.reduce((n, s) => n + s.ratedKva, 0),
        ratedMva: null,
        meterPointCount: sumMeters(feeder.stations),
        batteries: [],
        children: feeder.stations.map((s) => ({
          id: s.id,
          kind: 'secondary_substation',
          name: s.name,
          street: s.street,
        })),
      };
    const st = this.stationsById.get(id);
    if (st)
      return {
        id,
        kind: 'secondary_substation',
        name: st.name,
        street: st.street,
        substationId: st.substationId,
        feederId: st.feederId,
        ratedKva: st.ratedKva,
        ratedMva: null,
        meterPointCount: st.meterPointCount,
        batteries: this.batteriesOf.get(id) ?? [],
        children: [],
      };
    return undefined;
  }

  private view(e: StationEntry, live: LiveLookup): StationView {
    const v = live(e.id);
    return {
      ...e,
      powerW: v ? v.powerW : null,
      loadingPct: v ? round1(loadingPctOf(v.powerW, e.ratedKva)) : null,
      observedAt: v ? v.observedAt : null,
    };
  }

  private aggregate(
    stations: readonly StationEntry[],
    own: LiveReading | undefined,
    live: LiveLookup,
  ): Aggregate {
    let stationsHigh = 0;
    let stationsOverloaded = 0;
    let max: number | null = null;
    let batteries = 0;
    let ratedKva = 0;
    for (const s of stations) {
      batteries += s.batteryCount;
      ratedKva += s.ratedKva;
      const v = live(s.id);
      if (!v) continue;
      const pct = loadingPctOf(v.powerW, s.ratedKva);
      if (pct >= HIGH_LOADING_PCT) stationsHigh++;
      if (pct >= OVERLOAD_PCT) stationsOverloaded++;
      if (max === null || pct > max) max = pct;
    }
    return {
      stationCount: stations.length,
      meterPointCount: sumMeters(stations),
      batteryCount: batteries,
      ratedKva,
      stationsHigh,
      stationsOverloaded,
      maxStationLoadingPct: max === null ? null : round1(max),
      powerW: own ? own.powerW : null,
      observedAt: own ? own.observedAt : null,
    };
  }
}

function sumMeters(stations: readonly StationEntry[]): number {
  return stations.reduce((n, s) => n + s.meterPointCount, 0);
}

function combine(parts: readonly Aggregate[], own: LiveReading | undefined): Aggregate {
  let max: number | null = null;
  for (const p of parts)
    if (p.maxStationLoadingPct !== null && (max === null || p.maxStationLoadingPct > max))
      max = p.maxStationLoadingPct;
  const sum = (f: (a: Aggregate) => number) => parts.reduce((n, p) => n + f(p), 0);
  return {
    stationCount: sum((p) => p.stationCount),
    meterPointCount: sum((p) => p.meterPointCount),
    batteryCount: sum((p) => p.batteryCount),
    ratedKva: sum((p) => p.ratedKva),
    stationsHigh: sum((p) => p.stationsHigh),
    stationsOverloaded: sum((p) => p.stationsOverloaded),
    maxStationLoadingPct: max,
    powerW: own ? own.powerW : null,
    observedAt: own ? own.observedAt : null,
  };
}
