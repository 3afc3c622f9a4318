import { StaError } from './errors';
import { evaluate, parseFilter, PathResolver, Value } from './filter';
import { parseWkt } from './geometry';

const entity: Record<string, Value> = {
  name: "O'Brien station",
  result: 42.5,
  count: 7,
  phenomenonTime: new Date('2026-03-29T00:45:00Z'),
  location: { type: 'Point', coordinates: [12.37, 51.34] },
};
const resolve: PathResolver = (p) => (p.length === 1 ? entity[p[0] ?? ''] : undefined);
const run = (src: string): Value => evaluate(parseFilter(src), resolve, new Date('2026-12-07T00:00:00Z'));

describe('$filter', () => {
  it.each([
    ['result gt 40 and result lt 50', true],
    ['result gt 40 and not (result lt 50)', false],
    ['result eq 42.5 or count eq 1', true],
    ['count add 3 mul 2 eq 13', true],
    ['(count add 3) mul 2 eq 20', true],
    ['count mod 4 eq 3 and count div 2 eq 3.5', true],
    ['-count lt 0', true],
    ["name eq 'O''Brien station'", true],
    ["substringof('Brien', name) and startswith(name, 'O') and endswith(name, 'station')", true],
    ["contains(name, 'x')", false],
    ["length(name) eq 15 and indexof(name, 'B') eq 2", true],
    ["substring(name, 2, 5) eq 'Brien' and tolower(substring(name, 8)) eq 'station'", true],
    ["toupper(trim(concat(' a', 'b '))) eq 'AB'", true],
    ['year(phenomenonTime) eq 2026 and month(phenomenonTime) eq 3 and day(phenomenonTime) eq 29', true],
    ['hour(phenomenonTime) eq 0 and minute(phenomenonTime) eq 45 and second(phenomenonTime) eq 0', true],
    ['phenomenonTime ge 2026-03-29T01:45:00+01:00 and phenomenonTime lt 2026-03-29T01:00:00Z', true],
    ['phenomenonTime lt now() and phenomenonTime gt mindatetime()', true],
    ['date(phenomenonTime) eq 2026-03-29', true],
    ['round(result) eq 43 and floor(result) eq 42 and ceiling(result) eq 43', true],
    ["geo.distance(location, geography'POINT(12.37 51.44)') lt 0.1001", true],
    ["st_within(location, geography'POLYGON((12 51, 13 51, 13 52, 12 52, 12 51))')", true],
    ["st_disjoint(location, geography'POLYGON((0 0, 1 0, 1 1, 0 1, 0 0))')", true],
    ["geo.intersects(location, geography'POINT(12.37 51.34)')", true],
    ["geo.length(geography'LINESTRING(0 0, 3 4)') eq 5", true],
    ['name eq null', false],
    ['missing eq null', 'error'],
  ])('%s → %s', (src, expected) => {
    if (expected === 'error') expect(() => run(src)).toThrow(StaError);
    else expect(run(src)).toBe(expected);
  });

  it.each([
    'result gt',
    'gt 5',
    "name eq 'unterminated",
    'frobnicate(name)',
    'substringof(name)',
    '(result gt 5',
    'result gt 5)',
    'result # 5',
    'name gt 5',
    'count div 0 eq 1',
    "st_within(geography'LINESTRING(0 0, 1 1)', geography'LINESTRING(0 0, 1 1)')",
  ])('refuses %s with a 400', (src) => {
    let err: unknown;
    try {
      run(src);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(StaError);
    expect((err as StaError).status).toBe(400);
  });

  it('parses WKT points, lines and polygons', () => {
    expect(parseWkt('POINT (12.5 51.3)')).toEqual({ type: 'Point', coordinates: [12.5, 51.3] });
    expect(parseWkt('LINESTRING(0 0, 1 1)')).toEqual({
      type: 'LineString',
      coordinates: [
        [0, 0],
        [1, 1],
      ],
    });
    expect(() => parseWkt('CIRCLE(0 0)')).toThrow(StaError);
  });
});
