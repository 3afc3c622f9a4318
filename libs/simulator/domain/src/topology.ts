import type { BdewProfileId } from '@gridwerk/shared/util-load-profiles';
import { rngFor } from './rng';

/** Customer categories of the virtual grid. */
export type CustomerType = 'household' | 'commerce' | 'agriculture' | 'household-pv' | 'household-pv-storage';

/** BDEW standard load profiles (2025 edition). */
export type { BdewProfileId };

export interface Substation extends Site {
  /** e.g. 'UW-01' */
  substationId: string;
  /** e.g. 'UW Leipzig-Nord' */
  name: string;
  primaryVoltageKv: 110;
  secondaryVoltageKv: 10;
  ratedMva: number;
}

/**
 * WGS 84 position in degrees. Optional on every site, so that a topology from elsewhere (a GIS export
 * without coordinates, an older snapshot) stays valid; the generator always sets it.
 */
export interface Site {
  longitude?: number;
  latitude?: number;
}

export interface Feeder extends Site {
  /** e.g. 'UW-01-F03' */
  feederId: string;
  substationId: string;
  name: string;
}

/** Standard distribution transformer ratings (kVA). */
export const TRANSFORMER_KVA = [100, 160, 250, 400, 630, 800] as const;
export type TransformerKva = (typeof TRANSFORMER_KVA)[number];

/**
 * Diversified winter evening peak of a group of connections, from their annual consumption: about 1.65 ×
 * the mean power (measured on the simulator's H25/G25 load in December). Used only to undersize stations.
 */
export const WINTER_PEAK_FACTOR = 1.65;

export interface SecondarySubstation extends Site {
  /** Ortsnetzstation, e.g. 'ONS-0001' */
  secondarySubstationId: string;
  feederId: string;
  name: string;
  /**
   * Rated power of the transformer, kVA: the generator picks one of TRANSFORMER_KVA; a topology given to the
   * simulator (e.g. the demo's, whose story station is sized for the days it shows) may carry any other
   * preferred size.
   */
  ratedKva: number;
  /**
   * Street address of the station, e.g. 'Karl-Liebknecht-Straße 42': what operators search by. Optional, as
   * for a GIS export without it; the generator always sets it (and names the station after it).
   */
  street?: string;
}

export interface MeteringPoint {
  /** Messlokations-ID: 'DE' + 31 uppercase alphanumerics. */
  meterPointId: string;
  customerType: CustomerType;
  /**
   * The BDEW standard load profile the utility assigns to this metering point (P25/S25 for PV households:
   * they describe grid withdrawal). The simulator drives the *gross* consumption of all household types
   * with H25 and models PV and the home battery physically; see README.
   */
  profile: BdewProfileId;
  /** Gross annual consumption (before PV), integer Wh. */
  annualConsumptionWh: number;
  /** PV peak power in W for PV customers, otherwise null. */
  pvPeakW: number | null;
  /** Behind-the-meter battery capacity (household-pv-storage only), Wh, otherwise null. */
  homeStorageWh: number | null;
  secondarySubstationId: string;
  feederId: string;
  communityId: string | null;
}

export interface FleetBattery extends Site {
  /** e.g. 'BAT-0001' */
  assetId: string;
  /**
   * Metering point of the storage unit's grid connection (Messlokations-ID): its readings carry the
   * battery's charge (import) and discharge (export), so the station's load reflects the battery.
   */
  meterPointId: string;
  secondarySubstationId: string;
  nominalCapacityWh: number;
  stateOfHealthPct: number;
  /** nominal * SoH, integer Wh. */
  usableCapacityWh: number;
  maxChargeW: number;
  maxDischargeW: number;
  roundTripEfficiency: number;
  minSocPct: number;
  maxSocPct: number;
}

export interface Community {
  /** e.g. 'EG-0001' (Energiegemeinschaft) */
  communityId: string;
  name: string;
  feederId: string;
  memberCount: number;
}

export interface GridTopology {
  seed: number | string;
  substations: Substation[];
  feeders: Feeder[];
  secondarySubstations: SecondarySubstation[];
  meteringPoints: MeteringPoint[];
  batteries: FleetBattery[];
  communities: Community[];
}

export interface TopologyOptions {
  seed: number | string;
  meters: number;
  /**
   * The first N secondary substations get a transformer one standard size below their winter evening
   * peak, as where heat pumps and wallboxes have outgrown a station: their loading alarms fire in the
   * evening peak (the demo uses 1). Default 0: every station is sized for its load.
   */
  undersizedStations?: number;
}

const DISTRICTS = [
  'Nord',
  'Süd',
  'Ost',
  'West',
  'Mitte',
  'Grünau',
  'Paunsdorf',
  'Connewitz',
  'Lindenau',
  'Gohlis',
  'Schönefeld',
  'Plagwitz',
  'Probstheida',
  'Wahren',
  'Möckern',
  'Engelsdorf',
  'Stötteritz',
  'Reudnitz',
  'Lößnig',
  'Mockau',
];

const STREETS = [
  'Karl-Liebknecht-Straße',
  'Eisenbahnstraße',
  'Georg-Schwarz-Straße',
  'Lützner Straße',
  'Prager Straße',
  'Dresdner Straße',
  'Georg-Schumann-Straße',
  'Zschochersche Straße',
  'Bornaische Straße',
  'Delitzscher Straße',
  'Merseburger Straße',
  'Riebeckstraße',
  'Torgauer Straße',
  'Kochstraße',
  'Holbeinstraße',
  'Wurzner Straße',
];

/** Leipzig postcodes (for the postcode part of the Messlokations-ID). */
const POSTCODES = [
  '04103',
  '04105',
  '04107',
  '04109',
  '04155',
  '04157',
  '04177',
  '04179',
  '04207',
  '04229',
  '04249',
  '04275',
  '04277',
  '04289',
  '04299',
  '04315',
  '04318',
  '04329',
  '04347',
  '04357',
];

const ALNUM = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';

/** Messlokations-ID shape: 'DE' followed by 31 uppercase alphanumerics (33 characters). */
export const METER_POINT_ID_PATTERN = /^DE[0-9A-Z]{31}$/;

export function isMeterPointId(value: string): boolean {
  return METER_POINT_ID_PATTERN.test(value);
}

const CUSTOMER_MIX: readonly [CustomerType, number][] = [
  ['household', 0.7],
  ['commerce', 0.12],
  ['agriculture', 0.03],
  ['household-pv', 0.1],
  ['household-pv-storage', 0.05],
];

const PROFILE_OF: Record<CustomerType, BdewProfileId> = {
  household: 'H25',
  commerce: 'G25',
  agriculture: 'L25',
  'household-pv': 'P25',
  'household-pv-storage': 'S25',
};

export function profileForCustomerType(type: CustomerType): BdewProfileId {
  return PROFILE_OF[type];
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

/** Leipzig's centre (Markt) and the city's extent, km from it: the generated sites stay inside. */
export const LEIPZIG_CENTRE = { longitude: 12.3731, latitude: 51.3397 } as const;
const KM_PER_DEG_LAT = 111.2;
const KM_PER_DEG_LON = 111.32 * Math.cos((LEIPZIG_CENTRE.latitude * Math.PI) / 180);

/** The position `km` away from `from` in direction `angle` (radians, 0 = east), rounded to ~0.1 m. */
function offset(from: Required<Site>, km: number, angle: number): Required<Site> {
  const round6 = (x: number): number => Math.round(x * 1e6) / 1e6;
  return {
    longitude: round6(from.longitude + (km * Math.cos(angle)) / KM_PER_DEG_LON),
    latitude: round6(from.latitude + (km * Math.sin(angle)) / KM_PER_DEG_LAT),
  };
}

function customerTypeFor(u: number): CustomerType {
  let acc = 0;
  for (const [type, share] of CUSTOMER_MIX) {
    acc += share;
    if (u < acc) return type;
  }
  return 'household';
}

/**
 * Generates a deterministic virtual Leipzig distribution grid. Every entity draws from its own stream,
 * seeded from (seed, kind, index), so adding entities of one kind never changes another kind.
 */
export function generateTopology(options: TopologyOptions): GridTopology {
  const { seed } = options;
  const meters = Math.floor(options.meters);
  if (!Number.isFinite(meters) || meters < 1) {
    throw new RangeError(`meters must be a positive integer, got ${String(options.meters)}`);
  }
  const sizing = rngFor(seed, 'sizing');
  const operatorNumber = pad(sizing.int(0, 999_999), 6);

  // Substations (110/10 kV Umspannwerke): ~1 per 5000 meters.
  const substationCount = Math.max(1, Math.round(meters / 5000));
  const substations: Substation[] = [];
  for (let s = 0; s < substationCount; s++) {
    const r = rngFor(seed, 'substation', s);
    const district = DISTRICTS[s % DISTRICTS.length];
    const round = Math.floor(s / DISTRICTS.length);
    substations.push({
      substationId: `UW-${pad(s + 1, 2)}`,
      name: `UW Leipzig-${district}${round > 0 ? ` ${round + 1}` : ''}`,
      primaryVoltageKv: 110,
      secondaryVoltageKv: 10,
      ratedMva: r.pick([31.5, 40, 63]),
      // spread over the city: evenly in angle, 1.5-5.5 km from the centre (own stream: nothing else moves)
      ...offset(
        LEIPZIG_CENTRE,
        rngFor(seed, 'substation-site', s).uniform(1.5, 5.5),
        ((s + rngFor(seed, 'substation-angle', s).uniform(0.2, 0.8)) / substationCount) * 2 * Math.PI,
      ),
    });
  }

  // Medium-voltage feeders: 4-8 per substation.
  const feeders: Feeder[] = [];
  const siteOf = (s: Site): Required<Site> => ({
    longitude: s.longitude ?? LEIPZIG_CENTRE.longitude,
    latitude: s.latitude ?? LEIPZIG_CENTRE.latitude,
  });
  for (const sub of substations) {
    const n = rngFor(seed, 'feeders', sub.substationId).int(4, 8);
    for (let f = 0; f < n; f++) {
      const feederId = `${sub.substationId}-F${pad(f + 1, 2)}`;
      // the feeder's first cable run: 0.3-1.2 km from its substation, feeders fanning out around it
      const r = rngFor(seed, 'feeder-site', feederId);
      feeders.push({
        feederId,
        substationId: sub.substationId,
        name: `10-kV-Abgang ${f + 1}`,
        ...offset(siteOf(sub), r.uniform(0.3, 1.2), ((f + r.uniform(0, 0.6)) / n) * 2 * Math.PI),
      });
    }
  }

  // Secondary substations (Ortsnetzstationen): 1 per 60-150 meters on average, at least one per feeder when
  // there are enough meters, with uneven sizes.
  const metersPerStation = sizing.uniform(60, 150);
  const stationCount = Math.max(1, Math.round(meters / metersPerStation));
  const stationWeights: number[] = [];
  let weightSum = 0;
  for (let k = 0; k < stationCount; k++) {
    const w = rngFor(seed, 'station-size', k).uniform(0.6, 1.4);
    stationWeights.push(w);
    weightSum += w;
  }
  // meter index ranges per station, proportional to the weights, each at least one meter where possible
  const stationFirstMeter: number[] = [];
  let acc = 0;
  for (let k = 0; k < stationCount; k++) {
    stationFirstMeter.push(Math.min(meters - 1, Math.round((acc / weightSum) * meters)));
    acc += stationWeights[k];
  }
  stationFirstMeter.push(meters);
  const secondarySubstations: SecondarySubstation[] = [];
  for (let k = 0; k < stationCount; k++) {
    const r = rngFor(seed, 'station', k);
    const feeder = feeders[Math.floor((k * feeders.length) / stationCount)];
    const size = stationFirstMeter[k + 1] - stationFirstMeter[k];
    // ~3-4 kVA diversified peak per connection, rounded up to the standard transformer sizes
    const needKva = size * r.uniform(2.5, 4.5);
    const ratedKva = needKva <= 250 ? 250 : needKva <= 400 ? 400 : needKva <= 630 ? 630 : 800;
    const site = rngFor(seed, 'station-site', k);
    const street = `${r.pick(STREETS)} ${r.int(1, 180)}`;
    secondarySubstations.push({
      secondarySubstationId: `ONS-${pad(k + 1, 4)}`,
      feederId: feeder.feederId,
      name: `ONS ${street}`,
      ratedKva,
      street,
      // along its feeder: 0.1-1.5 km from the feeder's point
      ...offset(siteOf(feeder), site.uniform(0.1, 1.5), site.uniform(0, 2 * Math.PI)),
    });
  }

  // Metering points.
  const meteringPoints: MeteringPoint[] = [];
  let station = 0;
  for (let i = 0; i < meters; i++) {
    while (i >= stationFirstMeter[station + 1]) station++;
    const ons = secondarySubstations[station];
    const r = rngFor(seed, 'meter', i);
    const customerType = customerTypeFor(r.next());
    let id = `DE${operatorNumber}${POSTCODES[Math.floor((station * POSTCODES.length) / stationCount)]}`;
    while (id.length < 33) id += ALNUM[Math.floor(r.next() * 36)];

    let annualKwh: number;
    let pvPeakW: number | null = null;
    let homeStorageWh: number | null = null;
    switch (customerType) {
      case 'household':
      case 'household-pv':
      case 'household-pv-storage': {
        // persons per household 1-5 drive the consumption (roughly 1,500 / 2,500 / 3,500 / 4,250 / 5,000 kWh)
        const persons = r.pick([1, 1, 2, 2, 2, 3, 3, 4, 4, 5]);
        const base = [1500, 2500, 3500, 4250, 4800][persons - 1];
        annualKwh = Math.min(5000, Math.max(1500, base * r.uniform(0.88, 1.12)));
        if (customerType !== 'household') {
          pvPeakW = Math.round(r.uniform(3000, 15000) / 10) * 10;
          if (customerType === 'household-pv-storage')
            homeStorageWh = Math.round(((pvPeakW / 1000) * r.uniform(0.8, 1.2) * 1000) / 100) * 100;
        }
        break;
      }
      case 'commerce':
        // mostly small businesses (shops, offices, practices: median ~11 MWh/a), a long tail up to 80 MWh/a;
        // mean ~17 MWh/a, so residential load still sets the evening peak of a low-voltage grid
        annualKwh = 10_000 * Math.pow(8, Math.pow(r.next(), 5));
        break;
      case 'agriculture':
        annualKwh = r.uniform(20_000, 60_000);
        break;
    }
    meteringPoints.push({
      meterPointId: id,
      customerType,
      profile: PROFILE_OF[customerType],
      annualConsumptionWh: Math.round(annualKwh * 1000),
      pvPeakW,
      homeStorageWh,
      secondarySubstationId: ons.secondarySubstationId,
      feederId: ons.feederId,
      communityId: null,
    });
  }

  const undersized = Math.floor(options.undersizedStations ?? 0);
  if (!(undersized >= 0))
    throw new RangeError(
      `undersizedStations must be a non-negative integer, got ${String(options.undersizedStations)}`,
    );
  for (const ons of secondarySubstations.slice(0, undersized)) {
    const annualWh = meteringPoints
      .filter((mp) => mp.secondarySubstationId === ons.secondarySubstationId)
      .reduce((sum, mp) => sum + mp.annualConsumptionWh, 0);
    const peakKw = (annualWh / 1000 / 8760) * WINTER_PEAK_FACTOR;
    ons.ratedKva = [...TRANSFORMER_KVA].reverse().find((kva) => kva < peakKw) ?? TRANSFORMER_KVA[0];
  }

  // Energy-sharing communities: contiguous groups of 20-60 metering points within one feeder, covering
  // about 40 % of each feeder's meters.
  const communities: Community[] = [];
  const byFeeder = new Map<string, MeteringPoint[]>();
  for (const mp of meteringPoints) {
    const list = byFeeder.get(mp.feederId);
    if (list === undefined) byFeeder.set(mp.feederId, [mp]);
    else list.push(mp);
  }
  for (const feeder of feeders) {
    const members = byFeeder.get(feeder.feederId) ?? [];
    const r = rngFor(seed, 'communities', feeder.feederId);
    const target = members.length >= 20 ? Math.max(20, Math.floor(members.length * 0.4)) : 0;
    let pos = r.int(0, members.length - target);
    let covered = 0;
    while (covered < target) {
      const size = Math.min(r.int(20, 60), members.length - pos);
      if (size < 20) break;
      const communityId = `EG-${pad(communities.length + 1, 4)}`;
      const district =
        substations.find((s) => s.substationId === feeder.substationId)?.name.replace('UW ', '') ?? 'Leipzig';
      communities.push({
        communityId,
        name: `Energiegemeinschaft ${district} ${communities.length + 1}`,
        feederId: feeder.feederId,
        memberCount: size,
      });
      for (let k = pos; k < pos + size; k++) members[k].communityId = communityId;
      pos += size;
      covered += size;
    }
  }

  // Second-life fleet batteries: ~1 per 200 meters (at least 1), spread over the secondary substations.
  const batteryCount = Math.max(1, Math.round(meters / 200));
  const batteries: FleetBattery[] = [];
  for (let b = 0; b < batteryCount; b++) {
    const r = rngFor(seed, 'battery', b);
    const ons = secondarySubstations[Math.floor(((b + 0.5) * stationCount) / batteryCount)];
    const nominalCapacityWh = Math.round(r.uniform(100, 400)) * 1000;
    const stateOfHealthPct = Math.round(r.uniform(70, 92) * 10) / 10;
    const usableCapacityWh = Math.round((nominalCapacityWh * stateOfHealthPct) / 100);
    const cRate = r.uniform(0.4, 0.6);
    const maxPowerW = Math.round((usableCapacityWh * cRate) / 1000) * 1000;
    const rm = rngFor(seed, 'battery-meter', b);
    const stationNo = secondarySubstations.indexOf(ons);
    let meterPointId = `DE${operatorNumber}${POSTCODES[Math.floor((stationNo * POSTCODES.length) / stationCount)]}`;
    while (meterPointId.length < 33) meterPointId += ALNUM[Math.floor(rm.next() * 36)];
    batteries.push({
      assetId: `BAT-${pad(b + 1, 4)}`,
      meterPointId,
      secondarySubstationId: ons.secondarySubstationId,
      nominalCapacityWh,
      stateOfHealthPct,
      usableCapacityWh,
      maxChargeW: maxPowerW,
      maxDischargeW: maxPowerW,
      roundTripEfficiency: Math.round(r.uniform(0.85, 0.92) * 1000) / 1000,
      minSocPct: 10,
      maxSocPct: 95,
      // beside its station (a container on the station's plot, 20-60 m away)
      ...((site) => offset(siteOf(ons), site.uniform(0.02, 0.06), site.uniform(0, 2 * Math.PI)))(
        rngFor(seed, 'battery-site', b),
      ),
    });
  }

  return { seed, substations, feeders, secondarySubstations, meteringPoints, batteries, communities };
}

/** Serialises a topology to JSON (stable: the field order is fixed by construction). */
export function topologyToJson(topology: GridTopology, space?: number): string {
  return JSON.stringify(topology, null, space);
}
