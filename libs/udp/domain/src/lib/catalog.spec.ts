import { buildCatalog, TopologyView } from './catalog';

const at = new Date('2026-01-05T10:00:00Z');
const topo = (over: Partial<TopologyView> = {}): TopologyView => ({
  substations: [{ id: 'UW-1', name: 'UW 1', ratedMva: 40, position: [12.4, 51.3], positionAt: at }],
  feeders: [{ id: 'F-1', substationId: 'UW-1', name: 'F 1', position: [12.41, 51.31] }],
  secondarySubstations: [
    { id: 'ONS-1', feederId: 'F-1', name: 'ONS 1', ratedKva: 400, meteringPoints: 6, position: null },
    {
      id: 'ONS-2',
      feederId: 'F-1',
      name: 'ONS 2',
      ratedKva: 630,
      meteringPoints: 9,
      position: [12.42, 51.32],
    },
  ],
  batteries: [{ id: 'BAT-1', secondarySubstationId: 'ONS-1', usableCapacityWh: 160_000, position: null }],
  communities: [
    { id: 'EG-1', name: 'EG Gohlis', feederId: 'F-1', members: 5 },
    { id: 'EG-2', name: 'EG Klein', feederId: 'F-1', members: 4 },
  ],
  sources: { forecasts: true, settlement: true, batteryTelemetry: true },
  updatedAt: at,
  ...over,
});

describe('buildCatalog', () => {
  it('serves the topology’s coordinates, a node without its own at its parent’s', () => {
    const c = buildCatalog(topo(), 5);
    const coords = (id: string): unknown =>
      (c.sets.Locations.get(`loc-${id}`)?.props['location'] as { coordinates: unknown }).coordinates;
    expect(coords('UW-1')).toEqual([12.4, 51.3]);
    expect(coords('ONS-2')).toEqual([12.42, 51.32]);
    expect(coords('ONS-1')).toEqual([12.41, 51.31]);
    expect(coords('BAT-1')).toEqual([12.41, 51.31]);
    expect(c.sets.HistoricalLocations.get('hl-UW-1')?.props['time']).toBe(at.toISOString());
  });

  it('has no Location for a node whose topology has no coordinates at all', () => {
    const c = buildCatalog(
      topo({
        substations: [{ id: 'UW-1', name: 'UW 1' }],
        feeders: [{ id: 'F-1', substationId: 'UW-1', name: 'F' }],
      }),
      5,
    );
    expect(c.sets.Locations.has('loc-UW-1')).toBe(false);
    expect(c.sets.Things.get('UW-1')?.links['Locations']).toEqual([]);
    expect(c.sets.Locations.has('loc-ONS-2')).toBe(true);
  });

  it('gives grid nodes measured, loading (where rated) and forecast datastreams, batteries their SoC', () => {
    const c = buildCatalog(topo(), 5);
    const kinds = (id: string): string[] =>
      (c.sets.Things.get(id)?.links['Datastreams'] ?? []).map((d) => d.split(':')[1] ?? '').sort();
    const measured = ['active-power', 'energy-exported', 'energy-imported'];
    expect(kinds('UW-1')).toEqual([...measured, 'forecast-p10', 'forecast-p50', 'forecast-p90', 'loading']);
    expect(kinds('F-1')).not.toContain('loading');
    expect(kinds('BAT-1')).toEqual(['state-of-charge']);
    expect(c.datastreams.get('ONS-2:forecast-p50')).toMatchObject({
      seriesKey: 'secondary-substation:ONS-2',
      factor: 4,
    });
    // 400 / rated W: Wh per quarter hour → percent of the rating
    expect(c.datastreams.get('UW-1:loading')?.factor).toBeCloseTo(400 / 40e6, 15);
  });

  it('publishes a community of at least k members with its totals only, never one below k', () => {
    const c = buildCatalog(topo(), 5);
    expect(c.sets.Things.has('EG-1')).toBe(true);
    expect(c.sets.Things.has('EG-2')).toBe(false);
    expect([...c.datastreams.keys()].filter((d) => d.startsWith('EG-'))).toEqual([
      'EG-1:community-generation',
      'EG-1:community-consumption',
      'EG-1:community-shared',
    ]);
    expect(JSON.stringify(c.sets.Things.get('EG-1'))).not.toMatch(/member/i);
  });

  it('leaves out what the database does not hold: no forecast, battery or community datastreams', () => {
    const c = buildCatalog(
      topo({ sources: { forecasts: false, settlement: false, batteryTelemetry: false } }),
      5,
    );
    expect([...c.datastreams.values()].map((d) => d.kind)).not.toEqual(
      expect.arrayContaining([expect.stringMatching(/forecast|community|state-of-charge/)]),
    );
    expect([...c.sets.Sensors.keys()]).toEqual(['rollup-15m']);
    expect(c.sets.Things.has('BAT-1')).toBe(false);
  });
});
