import { deepLinkPath, parseDeepLink, parseRoute, routeHash, Route } from './route';

const routes: Route[] = [
  { screen: 'overview' },
  { screen: 'node', nodeId: 'UW-01-F03' },
  { screen: 'batteries' },
  { screen: 'dispatch' },
  { screen: 'dispatch', feederId: 'UW-01-F02' },
  { screen: 'alarms' },
  { screen: 'alarms', nodeId: 'ONS-0001' },
];

describe('hash routes', () => {
  it('round-trips every screen', () => {
    for (const r of routes) expect(parseRoute(routeHash(r))).toEqual(r);
  });

  it('falls back to the overview for unknown or malformed hashes', () => {
    expect(parseRoute('')).toEqual({ screen: 'overview' });
    expect(parseRoute('#/nope')).toEqual({ screen: 'overview' });
    expect(parseRoute('#/node/<script>')).toEqual({ screen: 'overview' });
    expect(parseRoute('#/node/%E0%A4%A')).toEqual({ screen: 'overview' });
    expect(parseRoute('#/dispatch/feeder/<x>')).toEqual({ screen: 'dispatch' });
  });
});

describe('deep links', () => {
  it('round-trip every screen but the overview (which is /)', () => {
    for (const r of routes.filter((x) => x.screen !== 'overview'))
      expect(parseDeepLink(deepLinkPath(r))).toEqual(r);
    expect(deepLinkPath({ screen: 'overview' })).toBe('/');
  });

  it('read the documented paths', () => {
    expect(parseDeepLink('/nodes/ONS-0001')).toEqual({ screen: 'node', nodeId: 'ONS-0001' });
    expect(parseDeepLink('/dispatch/feeders/UW-01-F02')).toEqual({
      screen: 'dispatch',
      feederId: 'UW-01-F02',
    });
    expect(parseDeepLink('/alarms/UW-01')).toEqual({ screen: 'alarms', nodeId: 'UW-01' });
  });

  it('name no screen for /, unknown paths and malformed ids', () => {
    for (const p of [
      '/',
      '',
      '/nodes',
      '/nodes/a/b',
      '/nodes/<script>',
      '/foo',
      '/dispatch/x/y',
      '/%E0%A4%A',
    ])
      expect(parseDeepLink(p)).toBeUndefined();
  });
});
