import type { TopologyStationDto } from '../../api/types';
import { aggregateClass, pageRange, parseThreshold, substationTree } from './overview-view';

const station = (id: string, feederId: string): TopologyStationDto => ({
  id,
  name: `ONS ${id}`,
  street: 'Kochstraße 1',
  feederId,
  substationId: 'UW-01',
  ratedKva: 400,
  meterPointCount: 80,
  batteryCount: 0,
  powerW: null,
  loadingPct: null,
  observedAt: null,
});

describe('overview view', () => {
  it('colours an aggregate by its most loaded station', () => {
    expect(aggregateClass(null)).toBe('unknown');
    expect(aggregateClass(12)).toBe('normal');
    expect(aggregateClass(70)).toBe('elevated');
    expect(aggregateClass(85)).toBe('high');
    expect(aggregateClass(100.1)).toBe('overload');
  });

  it('builds one substation’s schematic tree from its stations, feeders in summary order', () => {
    const tree = substationTree(
      {
        id: 'UW-01',
        name: 'UW Leipzig-Nord',
        feeders: [
          { id: 'UW-01-F02', name: 'F2' },
          { id: 'UW-01-F01', name: 'F1' },
        ] as never,
      },
      [station('ONS-0001', 'UW-01-F01'), station('ONS-0002', 'UW-01-F02'), station('ONS-0003', 'UW-01-F01')],
    );
    expect(tree.substations[0]?.feeders.map((f) => [f.id, f.secondarySubstations.map((s) => s.id)])).toEqual([
      ['UW-01-F02', ['ONS-0002']],
      ['UW-01-F01', ['ONS-0001', 'ONS-0003']],
    ]);
  });

  it('numbers pages and reads thresholds', () => {
    expect(pageRange(20, 20)).toEqual({ from: 21, to: 40 });
    expect(pageRange(0, 0)).toEqual({ from: 0, to: 0 });
    expect(parseThreshold('85')).toBe(85);
    expect(parseThreshold(' 92,5 ')).toBe(92.5);
    for (const bad of ['', '-1', 'abc', '1001', '1e2']) expect(parseThreshold(bad)).toBeUndefined();
  });
});
