import type { Topology } from '../../api/types';
import { layoutSchematic } from './schematic-layout';

const station = (id: string) => ({
  id,
  name: `ONS ${id}`,
  ratedKva: 400,
  meterPoints: { count: 80, ids: [] },
  batteries: [],
});
const topology: Topology = {
  substations: [
    {
      id: 'UW-01',
      name: 'UW Leipzig-Nord',
      ratedMva: 40,
      feeders: [
        {
          id: 'UW-01-F01',
          name: 'F1',
          secondarySubstations: [station('ONS-0001'), station('ONS-0002')],
        },
        { id: 'UW-01-F02', name: 'F2', secondarySubstations: [] },
      ],
    },
    {
      id: 'UW-02',
      name: 'UW Leipzig-Süd',
      ratedMva: 40,
      feeders: [{ id: 'UW-02-F01', name: 'F1', secondarySubstations: [station('ONS-0003')] }],
    },
  ],
};

describe('layoutSchematic', () => {
  const l = layoutSchematic(topology);

  it('places every node once', () => {
    expect(l.substations.map((s) => s.id)).toEqual(['UW-01', 'UW-02']);
    expect(l.feeders.map((f) => f.id)).toEqual(['UW-01-F01', 'UW-01-F02', 'UW-02-F01']);
    expect(l.stations.map((s) => s.id)).toEqual(['ONS-0001', 'ONS-0002', 'ONS-0003']);
  });

  it('stacks stations on their feeder without overlaps, inside the drawing', () => {
    const [a, b] = l.stations;
    expect(a.x).toBe(b.x);
    expect(b.y).toBeGreaterThanOrEqual(a.y + a.h);
    for (const s of l.stations) {
      expect(s.x).toBeGreaterThanOrEqual(0);
      expect(s.x + s.w).toBeLessThanOrEqual(l.width);
      expect(s.y + s.h).toBeLessThanOrEqual(l.height);
    }
    // substations side by side, not overlapping
    expect(l.substations[1].x).toBeGreaterThan(l.substations[0].x + l.substations[0].w);
  });

  it('draws a feeder line through all its stations', () => {
    const f = l.feeders[0];
    const last = l.stations[1];
    expect(f.y2).toBeGreaterThanOrEqual(last.y + last.h);
  });
});
