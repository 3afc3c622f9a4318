import type { TopologyModel } from '@gridwerk/grid/read-model';
import { searchKey, TopologyCatalogue, type LiveLookup } from './topology-catalogue';
import { decodeCursor, encodeCursor, loadingThreshold, pageLimit } from './http/topology.http.controller';

const model: TopologyModel = {
  substations: [
    { id: 'UW-01', name: 'UW Leipzig-Nord', ratedMva: 40 },
    { id: 'UW-02', name: 'UW Leipzig-Süd', ratedMva: 40 },
  ],
  feeders: [
    { id: 'UW-01-F01', substationId: 'UW-01', name: '10-kV-Abgang 1' },
    { id: 'UW-01-F02', substationId: 'UW-01', name: '10-kV-Abgang 2' },
    { id: 'UW-02-F01', substationId: 'UW-02', name: '10-kV-Abgang 1' },
  ],
  secondarySubstations: [
    {
      id: 'ONS-0003',
      feederId: 'UW-02-F01',
      name: 'ONS Kochstraße 3',
      ratedKva: 400,
      street: 'Kochstraße 3',
    },
    {
      id: 'ONS-0001',
      feederId: 'UW-01-F01',
      name: 'ONS Prager Straße 1',
      ratedKva: 250,
      street: 'Prager Straße 1',
    },
    { id: 'ONS-0002', feederId: 'UW-01-F02', name: 'ONS Am Markt', ratedKva: 630, street: null },
    {
      id: 'ONS-0004',
      feederId: 'UW-01-F01',
      name: 'ONS Riebeckstraße 9',
      ratedKva: 400,
      street: 'Riebeckstraße 9',
    },
  ],
  meters: [
    { id: 'M1', secondarySubstationId: 'ONS-0001' },
    { id: 'M2', secondarySubstationId: 'ONS-0001' },
    { id: 'M3', secondarySubstationId: 'ONS-0002' },
    { id: 'M4', secondarySubstationId: 'ONS-0003' },
  ],
  batteries: [{ id: 'BAT-0001', secondarySubstationId: 'ONS-0001', nominalCapacityWh: 100_000 }],
  communities: [],
};

const at = '2026-12-07T12:00:00.000Z';
/** ONS-0001 at 110 % (250 kVA), ONS-0002 at 50 % of 630 kVA, ONS-0004 feeding in at 90 % of 400 kVA. */
const values: Record<string, number> = {
  'ONS-0001': 275_000,
  'ONS-0002': 315_000,
  'ONS-0004': -360_000,
  'UW-01-F01': -85_000,
  'UW-01': 230_000,
};
const live: LiveLookup = (id) =>
  values[id] === undefined ? undefined : { powerW: values[id], observedAt: at };
const none: LiveLookup = () => undefined;

describe('TopologyCatalogue', () => {
  const c = new TopologyCatalogue(model);

  it('aggregates substations and feeders with counts, ratings and live loading', () => {
    const s = c.summary(undefined, live);
    expect(s.totals).toEqual({
      substations: 2,
      feeders: 3,
      secondarySubstations: 4,
      meterPoints: 4,
      batteries: 1,
      stationsHigh: 2,
      stationsOverloaded: 1,
    });
    const uw1 = s.substations[0];
    expect(uw1).toMatchObject({
      id: 'UW-01',
      stationCount: 3,
      meterPointCount: 3,
      batteryCount: 1,
      ratedKva: 1280,
      stationsHigh: 2,
      stationsOverloaded: 1,
      maxStationLoadingPct: 110,
      powerW: 230_000,
      observedAt: at,
    });
    expect(uw1?.feeders.map((f) => [f.id, f.stationCount, f.maxStationLoadingPct, f.powerW])).toEqual([
      ['UW-01-F01', 2, 110, -85_000],
      ['UW-01-F02', 1, 50, null],
    ]);
    expect(s.substations[1]).toMatchObject({ id: 'UW-02', maxStationLoadingPct: null, powerW: null });
  });

  it('shows only the substations of a perimeter', () => {
    const s = c.summary(['UW-02'], live);
    expect(s.substations.map((x) => x.id)).toEqual(['UW-02']);
    expect(s.totals.secondarySubstations).toBe(1);
    expect(c.searchStations({ limit: 10, offset: 0 }, ['UW-02'], live).items.map((x) => x.id)).toEqual([
      'ONS-0003',
    ]);
  });

  it('finds stations by id, name or street, ignoring case, accents and ß/ss', () => {
    const ids = (q: string) =>
      c.searchStations({ q, limit: 10, offset: 0 }, undefined, none).items.map((x) => x.id);
    expect(ids('kochstrasse')).toEqual(['ONS-0003']);
    expect(ids('PRAGER STRASSE 1')).toEqual(['ONS-0001']);
    expect(ids('ons-0002')).toEqual(['ONS-0002']);
    expect(ids('am markt')).toEqual(['ONS-0002']);
    expect(ids('straße')).toEqual(['ONS-0001', 'ONS-0003', 'ONS-0004']);
    expect(ids('Nowhere')).toEqual([]);
    expect(searchKey('Zschochersche Straße')).toBe('zschochersche strasse');
  });

  it('lists stations above a loading threshold, highest first, reverse flow by its magnitude', () => {
    const page = c.searchStations({ minLoadingPct: 85, limit: 10, offset: 0 }, undefined, live);
    expect(page.items.map((x) => [x.id, x.loadingPct, x.powerW])).toEqual([
      ['ONS-0001', 110, 275_000],
      ['ONS-0004', 90, -360_000],
    ]);
    expect(page.total).toBe(2);
    // stations without a live value are never above a threshold
    expect(c.searchStations({ minLoadingPct: 0, limit: 10, offset: 0 }, undefined, live).total).toBe(3);
  });

  it('pages through a listing without gaps or repeats', () => {
    const seen: string[] = [];
    let offset: number | null = 0;
    while (offset !== null) {
      const p = c.searchStations({ limit: 3, offset }, undefined, none);
      expect(p.total).toBe(4);
      seen.push(...p.items.map((x) => x.id));
      offset = p.nextOffset;
    }
    expect(seen).toEqual(['ONS-0001', 'ONS-0002', 'ONS-0003', 'ONS-0004']);
    expect(c.searchStations({ feederId: 'UW-01-F01', limit: 5, offset: 0 }, undefined, none).total).toBe(2);
  });

  it('describes one node with its place in the tree and its children, no meter ids', () => {
    expect(c.node('ONS-0001')).toEqual({
      id: 'ONS-0001',
      kind: 'secondary_substation',
      name: 'ONS Prager Straße 1',
      street: 'Prager Straße 1',
      substationId: 'UW-01',
      feederId: 'UW-01-F01',
      ratedKva: 250,
      ratedMva: null,
      meterPointCount: 2,
      batteries: [{ assetId: 'BAT-0001', nominalCapacityWh: 100_000 }],
      children: [],
    });
    expect(c.node('UW-01-F01')).toMatchObject({
      kind: 'feeder',
      substationId: 'UW-01',
      ratedKva: 650,
      children: [
        { id: 'ONS-0001', kind: 'secondary_substation' },
        { id: 'ONS-0004', kind: 'secondary_substation' },
      ],
    });
    expect(c.node('UW-02')).toMatchObject({
      kind: 'substation',
      meterPointCount: 1,
      children: [{ id: 'UW-02-F01' }],
    });
    expect(c.node('M1')).toBeUndefined();
  });
});

describe('topology listing parameters', () => {
  it('round-trips cursors and refuses forged ones', () => {
    expect(decodeCursor(encodeCursor(150))).toBe(150);
    expect(decodeCursor(undefined)).toBe(0);
    for (const bad of [
      'x',
      '!!',
      Buffer.from('o-1').toString('base64url'),
      Buffer.from('150').toString('base64url'),
    ])
      expect(() => decodeCursor(bad)).toThrow(/cursor/);
  });

  it('checks limit and threshold', () => {
    expect(pageLimit(undefined)).toBe(50);
    expect(pageLimit('200')).toBe(200);
    for (const bad of ['0', '201', '1.5', 'ten']) expect(() => pageLimit(bad)).toThrow(/limit/);
    expect(loadingThreshold('85')).toBe(85);
    expect(loadingThreshold(undefined)).toBeUndefined();
    for (const bad of ['-1', 'x', '1e3']) expect(() => loadingThreshold(bad)).toThrow(/minLoadingPct/);
  });
});
