import {
  generateTopology,
  isMeterPointId,
  topologyToJson,
  TRANSFORMER_KVA,
  WINTER_PEAK_FACTOR,
} from './topology';

describe('generateTopology', () => {
  const topo = generateTopology({ seed: 'leipzig', meters: 12000 });

  it('sizes the grid from the meter count', () => {
    expect(topo.meteringPoints).toHaveLength(12000);
    expect(topo.substations).toHaveLength(2);
    expect(topo.substations[0].name).toBe('UW Leipzig-Nord');
    const perSub = topo.substations.map(
      (s) => topo.feeders.filter((f) => f.substationId === s.substationId).length,
    );
    for (const n of perSub) expect(n >= 4 && n <= 8).toBe(true);
    const metersPerStation = 12000 / topo.secondarySubstations.length;
    expect(metersPerStation).toBeGreaterThanOrEqual(60);
    expect(metersPerStation).toBeLessThanOrEqual(150);
    for (const s of topo.secondarySubstations) expect([250, 400, 630, 800]).toContain(s.ratedKva);
    // every station has a Leipzig street address (what operators search by) and is named after it
    for (const s of topo.secondarySubstations) {
      expect(s.street).toMatch(/^[A-ZÄÖÜ][\p{L} -]+ \d{1,3}$/u);
      expect(s.name).toBe(`ONS ${s.street}`);
    }
    expect(topo.batteries).toHaveLength(60);
  });

  it('creates valid, unique Messlokations-IDs and a realistic customer mix', () => {
    const ids = new Set(topo.meteringPoints.map((m) => m.meterPointId));
    expect(ids.size).toBe(12000);
    expect(
      topo.meteringPoints.filter((m) => !isMeterPointId(m.meterPointId) || m.meterPointId.length !== 33),
    ).toEqual([]);
    expect(topo.meteringPoints.filter((m) => !Number.isInteger(m.annualConsumptionWh))).toEqual([]);
    const share = (t: string): number =>
      topo.meteringPoints.filter((m) => m.customerType === t).length / 12000;
    expect(share('household')).toBeCloseTo(0.7, 1);
    expect(share('commerce')).toBeCloseTo(0.12, 1);
    expect(share('agriculture')).toBeCloseTo(0.03, 1);
    expect(share('household-pv')).toBeCloseTo(0.1, 1);
    expect(share('household-pv-storage')).toBeCloseTo(0.05, 1);
    const violations = topo.meteringPoints.filter((m) => {
      const kwh = m.annualConsumptionWh / 1000;
      const inRange =
        m.customerType === 'commerce'
          ? kwh >= 10_000 && kwh <= 80_000
          : m.customerType === 'agriculture'
            ? kwh >= 20_000 && kwh <= 60_000
            : kwh >= 1500 && kwh <= 5000;
      const isPv = m.customerType === 'household-pv' || m.customerType === 'household-pv-storage';
      const pvOk = isPv ? m.pvPeakW !== null && m.pvPeakW >= 3000 && m.pvPeakW <= 15000 : m.pvPeakW === null;
      const storageOk = (m.customerType === 'household-pv-storage') === (m.homeStorageWh !== null);
      return !inRange || !pvOk || !storageOk;
    });
    expect(violations).toEqual([]);
  });

  it('forms energy communities of 20-60 members within a feeder', () => {
    expect(topo.communities.length).toBeGreaterThan(0);
    const byCommunity = new Map<string, { count: number; feeders: Set<string> }>();
    for (const m of topo.meteringPoints) {
      if (m.communityId === null) continue;
      const e = byCommunity.get(m.communityId) ?? { count: 0, feeders: new Set<string>() };
      e.count++;
      e.feeders.add(m.feederId);
      byCommunity.set(m.communityId, e);
    }
    expect(byCommunity.size).toBe(topo.communities.length);
    for (const c of topo.communities) {
      const e = byCommunity.get(c.communityId);
      expect(e?.count).toBe(c.memberCount);
      expect(c.memberCount >= 20 && c.memberCount <= 60).toBe(true);
      expect([...(e?.feeders ?? [])]).toEqual([c.feederId]);
    }
    const share =
      topo.meteringPoints.filter((m) => m.communityId !== null).length / topo.meteringPoints.length;
    expect(share).toBeGreaterThan(0.3);
    expect(share).toBeLessThan(0.5);
  });

  it('creates second-life fleet batteries within their specified ranges', () => {
    for (const b of topo.batteries) {
      expect(b.assetId).toMatch(/^BAT-\d{4}$/);
      expect(b.stateOfHealthPct >= 70 && b.stateOfHealthPct <= 92).toBe(true);
      expect(b.usableCapacityWh).toBe(Math.round((b.nominalCapacityWh * b.stateOfHealthPct) / 100));
      expect(b.roundTripEfficiency >= 0.85 && b.roundTripEfficiency <= 0.92).toBe(true);
      expect(b.minSocPct).toBe(10);
      expect(b.maxSocPct).toBe(95);
    }
    expect(generateTopology({ seed: 1, meters: 10 }).batteries).toHaveLength(1);
  });

  it('places every site inside Leipzig: substations spread over the city, the rest near their parent', () => {
    const km = (a: { longitude?: number; latitude?: number }, b: typeof a): number =>
      Math.hypot(
        ((a.longitude ?? NaN) - (b.longitude ?? NaN)) * 69.6,
        ((a.latitude ?? NaN) - (b.latitude ?? NaN)) * 111.2,
      );
    const big = generateTopology({ seed: 'leipzig', meters: 40_000 });
    const sites = [...big.substations, ...big.feeders, ...big.secondarySubstations, ...big.batteries];
    for (const s of sites) {
      // the city's bounding box
      expect(s.longitude).toBeGreaterThan(12.236);
      expect(s.longitude).toBeLessThan(12.542);
      expect(s.latitude).toBeGreaterThan(51.238);
      expect(s.latitude).toBeLessThan(51.449);
    }
    const byId = <T>(xs: T[], id: (x: T) => string): Map<string, T> => new Map(xs.map((x) => [id(x), x]));
    const subs = byId(big.substations, (s) => s.substationId);
    const feeders = byId(big.feeders, (f) => f.feederId);
    const stations = byId(big.secondarySubstations, (s) => s.secondarySubstationId);
    for (const f of big.feeders) expect(km(f, subs.get(f.substationId) ?? {})).toBeLessThanOrEqual(1.21);
    for (const s of big.secondarySubstations)
      expect(km(s, feeders.get(s.feederId) ?? {})).toBeLessThanOrEqual(1.51);
    for (const b of big.batteries)
      expect(km(b, stations.get(b.secondarySubstationId) ?? {})).toBeLessThanOrEqual(0.061);
    // spread: the substations are at least 1 km apart on average from their nearest neighbour
    const nearest = big.substations.map((a) =>
      Math.min(...big.substations.filter((b) => b !== a).map((b) => km(a, b))),
    );
    expect(nearest.reduce((x, y) => x + y, 0) / nearest.length).toBeGreaterThan(1);
    // deterministic from the seed, different for another seed
    expect(generateTopology({ seed: 'leipzig', meters: 40_000 }).substations).toEqual(big.substations);
    expect(generateTopology({ seed: 'halle', meters: 40_000 }).substations[0]?.longitude).not.toBe(
      big.substations[0]?.longitude,
    );
  });

  it('is deterministic and serialisable', () => {
    const json = topologyToJson(generateTopology({ seed: 'leipzig', meters: 500 }));
    expect(topologyToJson(generateTopology({ seed: 'leipzig', meters: 500 }))).toBe(json);
    expect(topologyToJson(generateTopology({ seed: 'dresden', meters: 500 }))).not.toBe(json);
    expect((JSON.parse(json) as { meteringPoints: unknown[] }).meteringPoints).toHaveLength(500);
  });
});

describe('undersized stations', () => {
  it('rates the first N stations one standard size below their winter evening peak, the rest unchanged', () => {
    const normal = generateTopology({ seed: 7, meters: 300 });
    const under = generateTopology({ seed: 7, meters: 300, undersizedStations: 1 });
    const [first, ...rest] = under.secondarySubstations;
    const annualWh = under.meteringPoints
      .filter((mp) => mp.secondarySubstationId === first?.secondarySubstationId)
      .reduce((s, mp) => s + mp.annualConsumptionWh, 0);
    const peakKw = (annualWh / 1000 / 8760) * WINTER_PEAK_FACTOR;
    expect(first?.ratedKva).toBeLessThan(peakKw);
    const sizes: readonly number[] = TRANSFORMER_KVA;
    const nextSize = sizes[sizes.indexOf(first?.ratedKva ?? 100) + 1] ?? Infinity;
    expect(nextSize).toBeGreaterThanOrEqual(peakKw);
    expect(first?.ratedKva).toBeLessThan(normal.secondarySubstations[0]?.ratedKva ?? 0);
    expect(rest).toEqual(normal.secondarySubstations.slice(1));
    expect(under.meteringPoints).toEqual(normal.meteringPoints);
  });

  it('refuses a negative count', () => {
    expect(() => generateTopology({ seed: 1, meters: 10, undersizedStations: -1 })).toThrow(RangeError);
  });
});
