/**
 * Hash routes: the callback from Keycloak lands on `/` with ?code&state, the screens live in the hash.
 * Deep links are paths (`/nodes/ONS-0001`, `/alarms/UW-01-F02`, `/dispatch/feeders/UW-01-F02`): grid-api
 * answers them with the SPA, which reads the path once at start (parseDeepLink) and continues on the hash
 * route, so a link works from a mail or a ticket, signed in or not.
 */
export type Route =
  | { screen: 'overview' }
  | { screen: 'node'; nodeId: string }
  | { screen: 'batteries' }
  | { screen: 'dispatch'; feederId?: string }
  | { screen: 'alarms'; nodeId?: string };

const NODE_ID = /^[A-Za-z0-9._-]{1,64}$/;

const id = (v: string | undefined): string | undefined => (v && NODE_ID.test(v) ? v : undefined);

function segments(s: string): string[] | undefined {
  try {
    return s.split('/').filter(Boolean).map(decodeURIComponent);
  } catch {
    return undefined;
  }
}

export function parseRoute(hash: string): Route {
  const parts = segments(hash.replace(/^#\/?/, '')) ?? [];
  switch (parts[0]) {
    case 'node': {
      const nodeId = id(parts[1]);
      return nodeId ? { screen: 'node', nodeId } : { screen: 'overview' };
    }
    case 'batteries':
      return { screen: 'batteries' };
    case 'dispatch': {
      const feederId = parts[1] === 'feeder' ? id(parts[2]) : undefined;
      return feederId ? { screen: 'dispatch', feederId } : { screen: 'dispatch' };
    }
    case 'alarms': {
      const nodeId = id(parts[1]);
      return nodeId ? { screen: 'alarms', nodeId } : { screen: 'alarms' };
    }
    default:
      return { screen: 'overview' };
  }
}

export function routeHash(route: Route): string {
  switch (route.screen) {
    case 'overview':
      return '#/';
    case 'node':
      return `#/node/${encodeURIComponent(route.nodeId)}`;
    case 'batteries':
      return '#/batteries';
    case 'dispatch':
      return route.feederId ? `#/dispatch/feeder/${encodeURIComponent(route.feederId)}` : '#/dispatch';
    case 'alarms':
      return route.nodeId ? `#/alarms/${encodeURIComponent(route.nodeId)}` : '#/alarms';
  }
}

/** The route of a deep-link path, or undefined when the path is `/` or names no screen. */
export function parseDeepLink(pathname: string): Route | undefined {
  const parts = segments(pathname);
  if (!parts || parts.length === 0) return undefined;
  const [a, b, c] = parts;
  if (a === 'nodes' && parts.length === 2) {
    const nodeId = id(b);
    return nodeId ? { screen: 'node', nodeId } : undefined;
  }
  if (a === 'alarms' && parts.length <= 2) {
    if (parts.length === 1) return { screen: 'alarms' };
    const nodeId = id(b);
    return nodeId ? { screen: 'alarms', nodeId } : undefined;
  }
  if (a === 'dispatch' && parts.length === 1) return { screen: 'dispatch' };
  if (a === 'dispatch' && b === 'feeders' && parts.length === 3) {
    const feederId = id(c);
    return feederId ? { screen: 'dispatch', feederId } : undefined;
  }
  if (a === 'batteries' && parts.length === 1) return { screen: 'batteries' };
  return undefined;
}

/** The shareable deep link of a route (what parseDeepLink reads back). */
export function deepLinkPath(route: Route): string {
  switch (route.screen) {
    case 'overview':
      return '/';
    case 'node':
      return `/nodes/${encodeURIComponent(route.nodeId)}`;
    case 'batteries':
      return '/batteries';
    case 'dispatch':
      return route.feederId ? `/dispatch/feeders/${encodeURIComponent(route.feederId)}` : '/dispatch';
    case 'alarms':
      return route.nodeId ? `/alarms/${encodeURIComponent(route.nodeId)}` : '/alarms';
  }
}
