/** Hash routes: the callback from Keycloak lands on `/` with ?code&state, the screens live in the hash. */
export type Route =
  | { screen: 'overview' }
  | { screen: 'node'; nodeId: string }
  | { screen: 'batteries' }
  | { screen: 'dispatch' }
  | { screen: 'alarms'; nodeId?: string };

const NODE_ID = /^[A-Za-z0-9._-]{1,64}$/;

export function parseRoute(hash: string): Route {
  const parts = hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
  switch (parts[0]) {
    case 'node':
      return parts[1] && NODE_ID.test(parts[1])
        ? { screen: 'node', nodeId: parts[1] }
        : { screen: 'overview' };
    case 'batteries':
      return { screen: 'batteries' };
    case 'dispatch':
      return { screen: 'dispatch' };
    case 'alarms':
      return parts[1] && NODE_ID.test(parts[1])
        ? { screen: 'alarms', nodeId: parts[1] }
        : { screen: 'alarms' };
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
      return '#/dispatch';
    case 'alarms':
      return route.nodeId ? `#/alarms/${encodeURIComponent(route.nodeId)}` : '#/alarms';
  }
}
