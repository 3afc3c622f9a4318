import { decidePublication, PrivacyNode } from './privacy';

const tree = (stations: Record<string, number>): PrivacyNode[] => {
  const nodes: PrivacyNode[] = [];
  const seen = new Set<string>();
  for (const [id, meters] of Object.entries(stations)) {
    const [uw, f] = id.split('/');
    if (uw && !seen.has(uw)) {
      nodes.push({ id: uw, parentId: null, ownMeters: 0 });
      seen.add(uw);
    }
    const feeder = `${uw}/${f}`;
    if (!seen.has(feeder)) {
      nodes.push({ id: feeder, parentId: uw ?? null, ownMeters: 0 });
      seen.add(feeder);
    }
    nodes.push({ id, parentId: feeder, ownMeters: meters });
  }
  return nodes;
};

describe('k-anonymity of the published nodes', () => {
  it('withholds nodes below k and, by complementary suppression, a sibling that would reveal them', () => {
    const { published, meters } = decidePublication(
      tree({
        'A/1/a': 12,
        'A/1/b': 3,
        'A/2/a': 8,
        'A/2/b': 7,
        'B/1/a': 4,
        'B/1/b': 2,
        'B/2/a': 1,
        'B/2/b': 1,
      }),
      5,
    );
    expect([...published].sort()).toEqual(['A', 'A/1', 'A/2', 'A/2/a', 'A/2/b', 'B']);
    expect(meters.get('A')).toBe(30);
    expect(meters.get('B/1')).toBe(6);
  });

  it('publishes everything when every leaf has k, nothing when the root has fewer', () => {
    expect(decidePublication(tree({ 'A/1/a': 5, 'A/1/b': 5 }), 5).published.size).toBe(4);
    expect(decidePublication(tree({ 'A/1/a': 2, 'A/1/b': 2 }), 5).published.size).toBe(0);
  });

  it('leaves no published node whose published descendants differ from it by 1..k-1 meters', () => {
    // random trees: the invariant must hold for every published node
    let seed = 7;
    const rnd = (n: number): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
    for (let trial = 0; trial < 200; trial++) {
      const stations: Record<string, number> = {};
      for (let i = 0; i < 2 + rnd(10); i++) stations[`U${rnd(2)}/F${rnd(3)}/S${i}`] = rnd(12);
      const nodes = tree(stations);
      const k = 2 + rnd(6);
      const { published, meters } = decidePublication(nodes, k);
      const kids = (id: string): PrivacyNode[] => nodes.filter((n) => n.parentId === id);
      const frontier = (id: string): string[] =>
        kids(id).flatMap((c) => (published.has(c.id) ? [c.id] : frontier(c.id)));
      for (const id of published) {
        expect(meters.get(id) ?? 0).toBeGreaterThanOrEqual(k);
        const rest = (meters.get(id) ?? 0) - frontier(id).reduce((s, c) => s + (meters.get(c) ?? 0), 0);
        expect(rest === 0 || rest >= k).toBe(true);
      }
    }
  });
});
