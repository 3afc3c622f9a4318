import { decidePublication, PrivacyNode } from './privacy';
import type { Position } from './geometry';

/** The topology as the gateway reads it: nodes with names, ratings and the number of metering points. */
export interface TopologyView {
  substations: readonly { id: string; name: string }[];
  feeders: readonly { id: string; substationId: string; name: string }[];
  secondarySubstations: readonly {
    id: string;
    feederId: string;
    name: string;
    ratedKva: number;
    meteringPoints: number;
  }[];
  /** When the topology last changed (the time of each node's HistoricalLocation). */
  updatedAt: Date;
}

export type NodeLevel = 'substation' | 'feeder' | 'secondarySubstation';

/** The rollup a datastream reads and how its result is computed from a quarter hour's row. */
export type ObservationKind = 'energy-imported' | 'energy-exported' | 'active-power' | 'loading';

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
  nodeId: string;
  level: NodeLevel;
  kind: ObservationKind;
  /** result = column × factor (active power: Wh per quarter hour × 4; loading: 400 / rated W). */
  factor: number;
  featureOfInterestId: string;
}

export interface Catalog {
  sets: Record<Exclude<EntitySet, 'Observations'>, Map<string, EntityRow>>;
  datastreams: Map<string, DatastreamSource>;
  /** Node ids that are published (k-anonymity passed). */
  publishedNodes: Set<string>;
}

const LEIPZIG: Position = [12.3731, 51.3397];

/** A stable pseudo-random number in [0, 1) from a string (FNV-1a). */
function unit(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) / 2 ** 32;
}

const round6 = (x: number): number => Math.round(x * 1e6) / 1e6;

/**
 * Plausible WGS 84 positions inside Leipzig until the GIS export carries real ones: substations on a ring
 * 3–6 km around the centre, feeders radiating from their substation, stations along their feeder. Stable
 * per id (a hash), so a restart serves the same coordinates.
 */
export function nodePositions(t: TopologyView): Map<string, Position> {
  const pos = new Map<string, Position>();
  const kmLon = 1 / 69.7; // degrees of longitude per km at 51.34° N
  const kmLat = 1 / 111.2;
  t.substations.forEach((s, i) => {
    const angle = ((i + unit(s.id)) / Math.max(1, t.substations.length)) * 2 * Math.PI;
    const r = 3 + 3 * unit(`${s.id}/r`);
    pos.set(s.id, [
      round6(LEIPZIG[0] + r * Math.cos(angle) * kmLon),
      round6(LEIPZIG[1] + r * Math.sin(angle) * kmLat),
    ]);
  });
  const feederIndex = new Map<string, number>();
  for (const f of t.feeders) {
    const base = pos.get(f.substationId) ?? LEIPZIG;
    const i = feederIndex.get(f.substationId) ?? 0;
    feederIndex.set(f.substationId, i + 1);
    const angle = i * 1.1 + unit(f.id) * 0.5;
    pos.set(f.id, [
      round6(base[0] + 0.6 * Math.cos(angle) * kmLon),
      round6(base[1] + 0.6 * Math.sin(angle) * kmLat),
    ]);
  }
  const stationIndex = new Map<string, number>();
  for (const s of t.secondarySubstations) {
    const base = pos.get(s.feederId) ?? LEIPZIG;
    const i = stationIndex.get(s.feederId) ?? 0;
    stationIndex.set(s.feederId, i + 1);
    const angle = unit(s.feederId) * 2 * Math.PI + unit(s.id) * 0.8;
    const r = 0.25 * (i + 1);
    pos.set(s.id, [
      round6(base[0] + r * Math.cos(angle) * kmLon),
      round6(base[1] + r * Math.sin(angle) * kmLat),
    ]);
  }
  return pos;
}

const UCUM = 'http://unitsofmeasure.org/ucum.html';
const MEASUREMENT = 'http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement';

const OBSERVED: Record<
  ObservationKind,
  { name: string; definition: string; description: string; unit: { name: string; symbol: string } }
> = {
  'energy-imported': {
    name: 'Energy imported',
    definition: 'https://w3id.org/gridwerk/def/energy-imported',
    description:
      'Active energy drawn from the grid by the metering points behind the node in the quarter hour',
    unit: { name: 'watt hour', symbol: 'W.h' },
  },
  'energy-exported': {
    name: 'Energy exported',
    definition: 'https://w3id.org/gridwerk/def/energy-exported',
    description:
      'Active energy fed into the grid (PV feed-in and storage) by the metering points behind the node in the quarter hour',
    unit: { name: 'watt hour', symbol: 'W.h' },
  },
  'active-power': {
    name: 'Active power',
    definition: 'https://w3id.org/gridwerk/def/active-power',
    description: 'Mean net active power over the quarter hour (import − export; negative = net feed-in)',
    unit: { name: 'watt', symbol: 'W' },
  },
  loading: {
    name: 'Loading',
    definition: 'https://w3id.org/gridwerk/def/transformer-loading',
    description:
      'Mean net active power over the quarter hour in percent of the transformer rating (kVA, cos φ = 1)',
    unit: { name: 'percent', symbol: '%' },
  },
};

const LEVEL_LABEL: Record<NodeLevel, string> = {
  substation: 'Umspannwerk (HV/MV substation)',
  feeder: 'Mittelspannungsabgang (MV feeder)',
  secondarySubstation: 'Ortsnetzstation (MV/LV secondary substation)',
};

/**
 * Builds every in-memory entity from the topology. Only nodes passing k-anonymity become Things; the
 * catalogue never holds a metering point id, a customer or a community member.
 */
export function buildCatalog(t: TopologyView, k: number): Catalog {
  const privacyNodes: PrivacyNode[] = [
    ...t.substations.map((s) => ({ id: s.id, parentId: null, ownMeters: 0 })),
    ...t.feeders.map((f) => ({ id: f.id, parentId: f.substationId, ownMeters: 0 })),
    ...t.secondarySubstations.map((s) => ({ id: s.id, parentId: s.feederId, ownMeters: s.meteringPoints })),
  ];
  const { published } = decidePublication(privacyNodes, k);
  const positions = nodePositions(t);
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
  const sensorId = 'rollup-15m';
  sets.Sensors.set(sensorId, {
    id: sensorId,
    props: {
      name: 'Quarter-hour rollup of metered energy',
      description:
        'Sum of the smart-meter readings (OBIS 1.8.0 / 2.8.0 interval energy) of the metering points behind a grid node per UTC quarter hour, published when at least k metering points reported',
      encodingType: 'text/html',
      metadata: 'https://github.com/gridwerk/gridwerk/blob/main/libs/ingest/data-access/README.md',
      properties: { aggregation: 'sum', bucket: 'PT15M' },
    },
    links: { Datastreams: [] },
  });
  for (const [kind, o] of Object.entries(OBSERVED))
    sets.ObservedProperties.set(kind, {
      id: kind,
      props: { name: o.name, definition: o.definition, description: o.description, properties: {} },
      links: { Datastreams: [] },
    });

  const nodes: { id: string; name: string; level: NodeLevel; parentId: string | null; ratedKva?: number }[] =
    [
      ...t.substations.map((s) => ({ id: s.id, name: s.name, level: 'substation' as const, parentId: null })),
      ...t.feeders.map((f) => ({
        id: f.id,
        name: f.name,
        level: 'feeder' as const,
        parentId: f.substationId,
      })),
      ...t.secondarySubstations.map((s) => ({
        id: s.id,
        name: s.name,
        level: 'secondarySubstation' as const,
        parentId: s.feederId,
        ratedKva: s.ratedKva,
      })),
    ];
  for (const n of nodes) {
    if (!published.has(n.id)) continue;
    const position = positions.get(n.id) ?? LEIPZIG;
    const point = { type: 'Point', coordinates: position };
    const locationId = `loc-${n.id}`;
    const historyId = `hl-${n.id}`;
    const foiId = `foi-${n.id}`;
    const kinds: ObservationKind[] =
      n.level === 'secondarySubstation'
        ? ['energy-imported', 'energy-exported', 'active-power', 'loading']
        : ['energy-imported', 'energy-exported', 'active-power'];
    const dsIds = kinds.map((kind) => `${n.id}:${kind}`);
    sets.Things.set(n.id, {
      id: n.id,
      props: {
        name: n.name,
        description: `${LEVEL_LABEL[n.level]} ${n.name} in the distribution grid of Leipzig`,
        properties: {
          type: n.level,
          ...(n.parentId !== null && published.has(n.parentId) ? { parent: n.parentId } : {}),
          ...(n.ratedKva !== undefined ? { ratedKva: n.ratedKva } : {}),
          operator: 'Stadtwerk Leipzig (grid operator)',
        },
      },
      links: { Locations: [locationId], HistoricalLocations: [historyId], Datastreams: dsIds },
    });
    sets.Locations.set(locationId, {
      id: locationId,
      props: {
        name: `Location of ${n.name}`,
        description: `Site of ${LEVEL_LABEL[n.level]} ${n.name}`,
        encodingType: 'application/geo+json',
        location: point,
      },
      links: { Things: [n.id], HistoricalLocations: [historyId] },
    });
    sets.HistoricalLocations.set(historyId, {
      id: historyId,
      props: { time: t.updatedAt.toISOString() },
      links: { Thing: [n.id], Locations: [locationId] },
    });
    sets.FeaturesOfInterest.set(foiId, {
      id: foiId,
      props: {
        name: `Grid area of ${n.name}`,
        description: `The metering points supplied through ${n.name}`,
        encodingType: 'application/geo+json',
        feature: point,
      },
      links: { Observations: [] },
    });
    kinds.forEach((kind, i) => {
      const id = dsIds[i] ?? '';
      const o = OBSERVED[kind];
      const factor = kind === 'active-power' ? 4 : kind === 'loading' ? 400 / ((n.ratedKva ?? 1) * 1000) : 1;
      sets.Datastreams.set(id, {
        id,
        props: {
          name: `${o.name} ${n.name}`,
          description: `${o.description}, ${LEVEL_LABEL[n.level]} ${n.name}`,
          unitOfMeasurement: { ...o.unit, definition: `${UCUM}#${o.unit.symbol}` },
          observationType: MEASUREMENT,
          properties: { resolution: 'PT15M', level: n.level },
        },
        links: { Thing: [n.id], Sensor: [sensorId], ObservedProperty: [kind], Observations: [] },
      });
      sets.Sensors.get(sensorId)?.links['Datastreams']?.push(id);
      sets.ObservedProperties.get(kind)?.links['Datastreams']?.push(id);
      datastreams.set(id, {
        datastreamId: id,
        nodeId: n.id,
        level: n.level,
        kind,
        factor,
        featureOfInterestId: foiId,
      });
    });
  }
  return { sets, datastreams, publishedNodes: published };
}
