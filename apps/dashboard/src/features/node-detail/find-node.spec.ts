import type { TopologyNodeDto } from '../../api/types';
import { nodeInfo } from './find-node';

const base = {
  street: null,
  ratedMva: null,
  meterPointCount: 2,
  batteries: [],
  children: [],
  feederId: null,
  ratedKva: null,
} satisfies Partial<TopologyNodeDto>;

describe('nodeInfo', () => {
  it('maps substations, feeders and secondary substations with their neighbours', () => {
    expect(
      nodeInfo({
        ...base,
        id: 'UW-01',
        kind: 'substation',
        name: 'UW Leipzig-Nord',
        substationId: 'UW-01',
        ratedMva: 40,
        children: [{ id: 'UW-01-F01', kind: 'feeder', name: '10-kV-Abgang 1', street: null }],
      }),
    ).toMatchObject({ kind: 'substation', children: ['UW-01-F01'], parents: [], ratedKva: undefined });
    expect(
      nodeInfo({
        ...base,
        id: 'UW-01-F01',
        kind: 'feeder',
        name: '10-kV-Abgang 1',
        substationId: 'UW-01',
        feederId: 'UW-01-F01',
        ratedKva: 1260,
        children: [
          { id: 'ONS-0001', kind: 'secondary_substation', name: 'ONS Kochstraße 3', street: 'Kochstraße 3' },
        ],
      }),
    ).toMatchObject({ kind: 'feeder', children: ['ONS-0001'], parents: ['UW-01'], ratedKva: undefined });
    expect(
      nodeInfo({
        ...base,
        id: 'ONS-0001',
        kind: 'secondary_substation',
        name: 'ONS Kochstraße 3',
        street: 'Kochstraße 3',
        substationId: 'UW-01',
        feederId: 'UW-01-F01',
        ratedKva: 630,
      }),
    ).toEqual({
      id: 'ONS-0001',
      kind: 'secondary-substation',
      name: 'ONS Kochstraße 3',
      street: 'Kochstraße 3',
      ratedKva: 630,
      children: [],
      parents: ['UW-01', 'UW-01-F01'],
    });
  });
});
