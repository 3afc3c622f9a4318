import type { Topology } from '../../api/types';
import { findNode } from './find-node';

const topology: Topology = {
  substations: [
    {
      id: 'UW-01',
      name: 'UW Leipzig-Nord',
      ratedMva: 40,
      feeders: [
        {
          id: 'UW-01-F01',
          name: '10-kV-Abgang 1',
          secondarySubstations: [
            {
              id: 'ONS-0001',
              name: 'ONS Kochstraße 3',
              ratedKva: 630,
              meterPoints: { count: 2, ids: [] },
              batteries: [],
            },
          ],
        },
      ],
    },
  ],
};

describe('findNode', () => {
  it('finds substations, feeders and secondary substations with their neighbours', () => {
    expect(findNode(topology, 'UW-01')).toMatchObject({ kind: 'substation', children: ['UW-01-F01'] });
    expect(findNode(topology, 'UW-01-F01')).toMatchObject({
      kind: 'feeder',
      children: ['ONS-0001'],
      parents: ['UW-01'],
    });
    expect(findNode(topology, 'ONS-0001')).toMatchObject({
      kind: 'secondary-substation',
      ratedKva: 630,
      parents: ['UW-01', 'UW-01-F01'],
    });
    expect(findNode(topology, 'nope')).toBeUndefined();
  });
});
