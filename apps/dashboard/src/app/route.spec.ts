import { parseRoute, routeHash, Route } from './route';

describe('hash routes', () => {
  it('round-trips every screen', () => {
    const routes: Route[] = [
      { screen: 'overview' },
      { screen: 'node', nodeId: 'UW-01-F03' },
      { screen: 'batteries' },
      { screen: 'alarms' },
      { screen: 'alarms', nodeId: 'ONS-0001' },
    ];
    for (const r of routes) expect(parseRoute(routeHash(r))).toEqual(r);
  });

  it('falls back to the overview for unknown or malformed hashes', () => {
    expect(parseRoute('')).toEqual({ screen: 'overview' });
    expect(parseRoute('#/nope')).toEqual({ screen: 'overview' });
    expect(parseRoute('#/node/<script>')).toEqual({ screen: 'overview' });
  });
});
