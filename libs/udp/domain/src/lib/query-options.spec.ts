import { StaError } from './errors';
import { parseQueryOptions, rawOptionsWithSkip } from './query-options';

const limits = { defaultTop: 100, maxTop: 1000, maxExpandDepth: 2 };

describe('query options', () => {
  it('parses every option, percent-encoded, with nested $expand', () => {
    const o = parseQueryOptions(
      '$top=5&$skip=10&$count=true&$select=id,name&$orderby=name%20desc,id&other=ignored&' +
        `$expand=${encodeURIComponent("Datastreams($filter=name eq 'a;b';$top=1;$expand=Observations($top=2)),Thing/Locations")}`,
      limits,
    );
    expect(o).toMatchObject({ top: 5, skip: 10, count: true, select: ['id', 'name'] });
    expect(o.orderby).toEqual([
      { path: ['name'], desc: true },
      { path: ['id'], desc: false },
    ]);
    expect(o.expand.map((e) => e.nav)).toEqual(['Datastreams', 'Thing']);
    expect(o.expand[0]?.options.top).toBe(1);
    expect(o.expand[0]?.options.filter).toEqual({
      k: 'bin',
      op: 'eq',
      l: { k: 'path', path: ['name'] },
      r: { k: 'lit', v: 'a;b' },
    });
    expect(o.expand[0]?.options.expand[0]).toMatchObject({ nav: 'Observations', options: { top: 2 } });
    expect(o.expand[1]?.options.expand[0]?.nav).toBe('Locations');
  });

  it.each([
    ['$top=1001', 'UDP.QUERY_TOO_EXPENSIVE'],
    ['$top=-1', 'UDP.BAD_QUERY'],
    ['$skip=x', 'UDP.BAD_QUERY'],
    ['$count=yes', 'UDP.BAD_QUERY'],
    ['$expand=A($expand=B($expand=C))', 'UDP.QUERY_TOO_EXPENSIVE'],
    ['$expand=A/B/C', 'UDP.QUERY_TOO_EXPENSIVE'],
    ['$expand=A($top=1', 'UDP.BAD_QUERY'],
    ['$top=1&$top=2', 'UDP.BAD_QUERY'],
    ['$unknown=1', 'UDP.BAD_QUERY'],
    ['$filter=%E0%A4%A', 'UDP.BAD_QUERY'],
    ['$select=na-me', 'UDP.BAD_QUERY'],
  ])('%s → %s', (raw, code) => {
    expect(() => parseQueryOptions(raw, limits)).toThrow(StaError);
    try {
      parseQueryOptions(raw, limits);
    } catch (e) {
      expect((e as StaError).code).toBe(code);
    }
  });

  it('builds the next link query with the new $skip and the page size', () => {
    expect(rawOptionsWithSkip('$filter=a%20eq%201&$top=10&$skip=20', 30, 10)).toBe(
      '$filter=a%20eq%201&$top=10&$skip=30',
    );
  });
});
