import { decidePublication, PrivacyNode } from './privacy';
import type { Position } from './geometry';

/** A node's WGS 84 position from the topology (GIS export or simulator), when it has one. */
export interface Sited {
  position?: Position | null;
  /** When the position was last recorded (the time of the node's HistoricalLocation). */
  positionAt?: Date;
}

/** The topology as the gateway reads it: nodes with names, ratings, positions and metering point counts. */
export interface TopologyView {
  substations: readonly ({ id: string; name: string; ratedMva?: number | null } & Sited)[];
  feeders: readonly ({ id: string; substationId: string; name: string } & Sited)[];
  secondarySubstations: readonly ({
    id: string;
    feederId: string;
    name: string;
    ratedKva: number;
    meteringPoints: number;
  } & Sited)[];
  /** The utility's fleet batteries (its own assets, not a household's): state of charge is published. */
  batteries?: readonly ({
    id: string;
    secondarySubstationId: string;
    usableCapacityWh: number | null;
  } & Sited)[];
  /** Energy-sharing communities with the number of their members (never the members themselves). */
  communities?: readonly { id: string; name: string; feederId: string | null; members: number }[];
  /** Which other services' tables the database holds (their datastreams exist only then). */
  sources?: { forecasts: boolean; settlement: boolean; batteryTelemetry: boolean };
  /** When the topology last changed (fallback time of a HistoricalLocation). */
  updatedAt: Date;
}

export type NodeLevel = 'substation' | 'feeder' | 'secondarySubstation';
export type ThingType = NodeLevel | 'batterySite' | 'energySharingCommunity';

/** What a datastream observes; the data-access layer maps each kind to its table and column. */
export const ROLLUP_KINDS = ['energy-imported', 'energy-exported', 'active-power', 'loading'] as const;
export type RollupKind = (typeof ROLLUP_KINDS)[number];
export const FORECAST_KINDS = ['forecast-p10', 'forecast-p50', 'forecast-p90'] as const;
export type ForecastKind = (typeof FORECAST_KINDS)[number];
export const COMMUNITY_KINDS = ['community-generation', 'community-consumption', 'community-shared'] as const;
export type CommunityKind = (typeof COMMUNITY_KINDS)[number];
export type ObservationKind = RollupKind | ForecastKind | CommunityKind | 'state-of-charge';

export function isRollupKind(k: ObservationKind): k is RollupKind {
  return (ROLLUP_KINDS as readonly string[]).includes(k);
}

export const ENTITY_SETS = [
  'Things',
  'Locations',
  'HistoricalLocations',
  'Datastreams',
  'Sensors',
  'ObservedProperties',
  'Observations',
  'FeaturesOfInterest',
] as const;
export type EntitySet = (typeof ENTITY_SETS)[number];

/** Navigation properties: name → target set and cardinality. */
export const NAVIGATION: Record<EntitySet, Record<string, { set: EntitySet; many: boolean }>> = {
  Things: {
    Locations: { set: 'Locations', many: true },
    HistoricalLocations: { set: 'HistoricalLocations', many: true },
    Datastreams: { set: 'Datastreams', many: true },
  },
  Locations: {
    Things: { set: 'Things', many: true },
    HistoricalLocations: { set: 'HistoricalLocations', many: true },
  },
  HistoricalLocations: { Thing: { set: 'Things', many: false }, Locations: { set: 'Locations', many: true } },
  Datastreams: {
    Thing: { set: 'Things', many: false },
    Sensor: { set: 'Sensors', many: false },
    ObservedProperty: { set: 'ObservedProperties', many: false },
    Observations: { set: 'Observations', many: true },
  },
  Sensors: { Datastreams: { set: 'Datastreams', many: true } },
  ObservedProperties: { Datastreams: { set: 'Datastreams', many: true } },
  Observations: {
    Datastream: { set: 'Datastreams', many: false },
    FeatureOfInterest: { set: 'FeaturesOfInterest', many: false },
  },
  FeaturesOfInterest: { Observations: { set: 'Observations', many: true } },
};

/** An entity held in memory (every set but Observations): its properties and its links by navigation. */
export interface EntityRow {
  id: string;
  props: Record<string, unknown>;
  links: Record<string, string[]>;
}

/** What the observation source needs to read a datastream's series. */
export interface DatastreamSource {
  datastreamId: string;
  /** The Thing's id. */
  nodeId: string;
  level: ThingType;
  kind: ObservationKind;
  /** The key of the series in its table: node id, forecast series id, battery asset id or community id. */
  seriesKey: string;
  /** result = column × factor (power: Wh per quarter hour × 4; loading: 400 / rated W). */
  factor: number;
  featureOfInterestId: string;
}

export interface Catalog {
  sets: Record<Exclude<EntitySet, 'Observations'>, Map<string, EntityRow>>;
  datastreams: Map<string, DatastreamSource>;
  /** Node ids that are published (k-anonymity passed). */
  publishedNodes: Set<string>;
}

const UCUM = 'http://unitsofmeasure.org/ucum.html';
const MEASUREMENT = 'http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement';
const WH = { name: 'watt hour', symbol: 'W.h' };
const W = { name: 'watt', symbol: 'W' };
const PERCENT = { name: 'percent', symbol: '%' };

const OBSERVED: Record<
  ObservationKind,
  { name: string; definition: string; description: string; unit: { name: string; symbol: string } }
> = {
  'energy-imported': {
    name: 'Energy imported',
    definition: 'https://w3id.org/gridwerk/def/energy-imported',
    description:
      'Active energy drawn from the grid by the metering points behind the node in the quarter hour',
    unit: WH,
  },
  'energy-exported': {
    name: 'Energy exported (PV feed-in)',
    definition: 'https://w3id.org/gridwerk/def/energy-exported',
    description:
      'Active energy fed into the grid by the metering points behind the node in the quarter hour: PV feed-in, and the discharge of storage units',
    unit: WH,
  },
  'active-power': {
    name: 'Active power',
    definition: 'https://w3id.org/gridwerk/def/active-power',
    description: 'Mean net active power over the quarter hour (import − export; negative = net feed-in)',
    unit: W,
  },
  loading: {
    name: 'Loading',
    definition: 'https://w3id.org/gridwerk/def/transformer-loading',
    description:
      'Mean net active power over the quarter hour in percent of the transformer rating (kVA or MVA, cos φ = 1)',
    unit: PERCENT,
  },
  'forecast-p10': {
    name: 'Active power forecast P10',
    definition: 'https://w3id.org/gridwerk/def/active-power-forecast-p10',
    description:
      '10 % quantile of the latest issued forecast of the mean net active power in the quarter hour (resultTime = issue time)',
    unit: W,
  },
  'forecast-p50': {
    name: 'Active power forecast P50',
    definition: 'https://w3id.org/gridwerk/def/active-power-forecast-p50',
    description:
      'Median of the latest issued forecast of the mean net active power in the quarter hour (resultTime = issue time)',
    unit: W,
  },
  'forecast-p90': {
    name: 'Active power forecast P90',
    definition: 'https://w3id.org/gridwerk/def/active-power-forecast-p90',
    description:
      '90 % quantile of the latest issued forecast of the mean net active power in the quarter hour (resultTime = issue time)',
    unit: W,
  },
  'state-of-charge': {
    name: 'Battery state of charge',
    definition: 'https://w3id.org/gridwerk/def/battery-state-of-charge',
    description:
      'Mean state of charge of the battery over the quarter hour, in percent of its usable capacity',
    unit: PERCENT,
  },
  'community-generation': {
    name: 'Community generation',
    definition: 'https://w3id.org/gridwerk/def/community-generation',
    description:
      'Metered generation of the whole energy-sharing community in the quarter hour (settled total)',
    unit: WH,
  },
  'community-consumption': {
    name: 'Community consumption',
    definition: 'https://w3id.org/gridwerk/def/community-consumption',
    description:
      'Metered consumption of the whole energy-sharing community in the quarter hour (settled total)',
    unit: WH,
  },
  'community-shared': {
    name: 'Community energy shared',
    definition: 'https://w3id.org/gridwerk/def/community-shared-energy',
    description:
      'Energy allocated from the community’s generation to its consumption in the quarter hour (§42c EnWG, settled total)',
    unit: WH,
  },
};

const LABEL: Record<ThingType, string> = {
  substation: 'Umspannwerk (HV/MV substation)',
  feeder: 'Mittelspannungsabgang (MV feeder)',
  secondarySubstation: 'Ortsnetzstation (MV/LV secondary substation)',
  batterySite: 'Batteriespeicher (second-life battery site of the grid operator)',
  energySharingCommunity: 'Energiegemeinschaft (energy-sharing community, §42c EnWG)',
};

const SENSORS = {
  'rollup-15m': {
    name: 'Quarter-hour rollup of metered energy',
    description:
      'Sum of the smart-meter readings (OBIS 1.8.0 / 2.8.0 interval energy) of the metering points behind a grid node per UTC quarter hour, published when at least k metering points reported',
    metadata: 'https://github.com/gridwerk/gridwerk/blob/main/libs/ingest/data-access/README.md',
    properties: { aggregation: 'sum', bucket: 'PT15M' },
  },
  'forecast-quantiles': {
    name: 'Quantile load forecast',
    description:
      'The latest issued intraday or day-ahead forecast of a grid node (global model per horizon, P10/P50/P90), one value per target quarter hour',
    metadata: 'https://github.com/gridwerk/gridwerk/blob/main/apps/forecast/README.md',
    properties: { aggregation: 'latest-issue', bucket: 'PT15M' },
  },
  'battery-telemetry-15m': {
    name: 'Battery management system telemetry',
    description: 'Mean of the state-of-charge samples a battery site reported in each UTC quarter hour',
    metadata: 'https://github.com/gridwerk/gridwerk/blob/main/libs/ingest/data-access/README.md',
    properties: { aggregation: 'mean', bucket: 'PT15M' },
  },
  'settlement-15m': {
    name: 'Energy-sharing settlement',
    description:
      'Totals of the latest settled version of each quarter hour of a community: generation, consumption and the energy allocated between members, never per member',
    metadata: 'https://github.com/gridwerk/gridwerk/blob/main/apps/settlement/README.md',
    properties: { aggregation: 'sum', bucket: 'PT15M' },
  },
} as const;
type SensorId = keyof typeof SENSORS;

const SENSOR_OF = (kind: ObservationKind): SensorId =>
  kind === 'state-of-charge'
    ? 'battery-telemetry-15m'
    : (FORECAST_KINDS as readonly string[]).includes(kind)
      ? 'forecast-quantiles'
      : (COMMUNITY_KINDS as readonly string[]).includes(kind)
        ? 'settlement-15m'
        : 'rollup-15m';

/** The forecast service's series id of a grid node. */
const FORECAST_SERIES: Record<NodeLevel, string> = {
  substation: 'substation',
  feeder: 'feeder',
  secondarySubstation: 'secondary-substation',
};

interface ThingSpec {
  id: string;
  name: string;
  type: ThingType;
  parentId: string | null;
  position: Position | null;
  positionAt: Date;
  properties: Record<string, unknown>;
  streams: { kind: ObservationKind; seriesKey: string; factor: number }[];
}

/**
 * Builds every in-memory entity from the topology. Only nodes passing k-anonymity become Things, and
 * communities of at least k members (their totals only); the catalogue never holds a metering point id, a
 * customer or a community member. Locations come from the topology's coordinates; a node without its own
 * takes its parent's.
 */
export function buildCatalog(t: TopologyView, k: number): Catalog {
  const privacyNodes: PrivacyNode[] = [
    ...t.substations.map((s) => ({ id: s.id, parentId: null, ownMeters: 0 })),
    ...t.feeders.map((f) => ({ id: f.id, parentId: f.substationId, ownMeters: 0 })),
    ...t.secondarySubstations.map((s) => ({ id: s.id, parentId: s.feederId, ownMeters: s.meteringPoints })),
  ];
  const { published } = decidePublication(privacyNodes, k);
  const sources = t.sources ?? { forecasts: false, settlement: false, batteryTelemetry: false };
  const sets: Catalog['sets'] = {
    Things: new Map(),
    Locations: new Map(),
    HistoricalLocations: new Map(),
    Datastreams: new Map(),
    Sensors: new Map(),
    ObservedProperties: new Map(),
    FeaturesOfInterest: new Map(),
  };
  const datastreams = new Map<string, DatastreamSource>();
  const positions = new Map<string, Position | null>();
  const site = (id: string, own: Sited, parentId: string | null): Position | null => {
    const p = own.position ?? (parentId !== null ? (positions.get(parentId) ?? null) : null);
    positions.set(id, p);
    return p;
  };
  const at = (s: Sited): Date => s.positionAt ?? t.updatedAt;
  const gridStreams = (level: NodeLevel, id: string, ratedW: number | null): ThingSpec['streams'] => [
    ...(['energy-imported', 'energy-exported', 'active-power'] as const).map((kind) => ({
      kind,
      seriesKey: id,
      factor: kind === 'active-power' ? 4 : 1,
    })),
    ...(ratedW !== null && ratedW > 0
      ? [{ kind: 'loading' as const, seriesKey: id, factor: 400 / ratedW }]
      : []),
    ...(sources.forecasts
      ? FORECAST_KINDS.map((kind) => ({ kind, seriesKey: `${FORECAST_SERIES[level]}:${id}`, factor: 4 }))
      : []),
  ];

  const things: ThingSpec[] = [
    ...t.substations.map((s) => ({
      id: s.id,
      name: s.name,
      type: 'substation' as const,
      parentId: null,
      position: site(s.id, s, null),
      positionAt: at(s),
      properties: s.ratedMva != null ? { ratedMva: s.ratedMva } : {},
      streams: gridStreams('substation', s.id, s.ratedMva != null ? s.ratedMva * 1e6 : null),
    })),
    ...t.feeders.map((f) => ({
      id: f.id,
      name: f.name,
      type: 'feeder' as const,
      parentId: f.substationId,
      position: site(f.id, f, f.substationId),
      positionAt: at(f),
      properties: {},
      streams: gridStreams('feeder', f.id, null),
    })),
    ...t.secondarySubstations.map((s) => ({
      id: s.id,
      name: s.name,
      type: 'secondarySubstation' as const,
      parentId: s.feederId,
      position: site(s.id, s, s.feederId),
      positionAt: at(s),
      properties: { ratedKva: s.ratedKva },
      streams: gridStreams('secondarySubstation', s.id, s.ratedKva * 1000),
    })),
  ].filter((n) => published.has(n.id));
  if (sources.batteryTelemetry)
    for (const b of t.batteries ?? [])
      things.push({
        id: b.id,
        name: `Batteriespeicher ${b.id}`,
        type: 'batterySite',
        parentId: b.secondarySubstationId,
        position: site(b.id, b, b.secondarySubstationId),
        positionAt: at(b),
        properties: b.usableCapacityWh !== null ? { usableCapacityWh: b.usableCapacityWh } : {},
        streams: [{ kind: 'state-of-charge', seriesKey: b.id, factor: 1 }],
      });
  if (sources.settlement)
    for (const c of t.communities ?? [])
      if (c.members >= k)
        things.push({
          id: c.id,
          name: c.name,
          type: 'energySharingCommunity',
          parentId: c.feederId,
          position: site(c.id, {}, c.feederId),
          positionAt: t.updatedAt,
          properties: {},
          streams: COMMUNITY_KINDS.map((kind) => ({ kind, seriesKey: c.id, factor: 1 })),
        });

  const used = new Set(things.flatMap((n) => n.streams.map((s) => s.kind)));
  const sensorIds = new Set([...used].map(SENSOR_OF));
  for (const id of Object.keys(SENSORS) as SensorId[])
    if (sensorIds.has(id))
      sets.Sensors.set(id, {
        id,
        props: { ...SENSORS[id], encodingType: 'text/html' },
        links: { Datastreams: [] },
      });
  for (const [kind, o] of Object.entries(OBSERVED))
    if (used.has(kind as ObservationKind))
      sets.ObservedProperties.set(kind, {
        id: kind,
        props: { name: o.name, definition: o.definition, description: o.description, properties: {} },
        links: { Datastreams: [] },
      });

  for (const n of things) {
    const locationId = `loc-${n.id}`;
    const historyId = `hl-${n.id}`;
    const foiId = `foi-${n.id}`;
    const point = n.position !== null ? { type: 'Point', coordinates: n.position } : null;
    const dsIds = n.streams.map((s) => `${n.id}:${s.kind}`);
    const label = LABEL[n.type];
    const parentShown = n.parentId !== null && published.has(n.parentId);
    sets.Things.set(n.id, {
      id: n.id,
      props: {
        name: n.name,
        description: `${label} ${n.name} in the distribution grid of Leipzig`,
        properties: {
          type: n.type,
          ...(parentShown ? { parent: n.parentId } : {}),
          ...n.properties,
          operator: 'Stadtwerk Leipzig (grid operator)',
        },
      },
      links: {
        Locations: point ? [locationId] : [],
        HistoricalLocations: point ? [historyId] : [],
        Datastreams: dsIds,
      },
    });
    if (point) {
      sets.Locations.set(locationId, {
        id: locationId,
        props: {
          name: `Location of ${n.name}`,
          description: `Site of ${label} ${n.name}`,
          encodingType: 'application/geo+json',
          location: point,
        },
        links: { Things: [n.id], HistoricalLocations: [historyId] },
      });
      sets.HistoricalLocations.set(historyId, {
        id: historyId,
        props: { time: n.positionAt.toISOString() },
        links: { Thing: [n.id], Locations: [locationId] },
      });
    }
    sets.FeaturesOfInterest.set(foiId, {
      id: foiId,
      props: {
        name:
          n.type === 'energySharingCommunity' ? `Members of ${n.name} (in total)` : `Grid area of ${n.name}`,
        description:
          n.type === 'energySharingCommunity'
            ? `The metering points of ${n.name}, observed only as their sum`
            : `The metering points and assets supplied through ${n.name}`,
        encodingType: 'application/geo+json',
        feature: point,
      },
      links: { Observations: [] },
    });
    n.streams.forEach((s, i) => {
      const id = dsIds[i] ?? '';
      const o = OBSERVED[s.kind];
      const sensorId = SENSOR_OF(s.kind);
      sets.Datastreams.set(id, {
        id,
        props: {
          name: `${o.name} ${n.name}`,
          description: `${o.description}, ${label} ${n.name}`,
          unitOfMeasurement: { ...o.unit, definition: `${UCUM}#${o.unit.symbol}` },
          observationType: MEASUREMENT,
          properties: { resolution: 'PT15M', level: n.type },
        },
        links: { Thing: [n.id], Sensor: [sensorId], ObservedProperty: [s.kind], Observations: [] },
      });
      sets.Sensors.get(sensorId)?.links['Datastreams']?.push(id);
      sets.ObservedProperties.get(s.kind)?.links['Datastreams']?.push(id);
      datastreams.set(id, {
        datastreamId: id,
        nodeId: n.id,
        level: n.type,
        kind: s.kind,
        seriesKey: s.seriesKey,
        factor: s.factor,
        featureOfInterestId: foiId,
      });
    });
  }
  return { sets, datastreams, publishedNodes: published };
}
