/**
 * The 401/403 matrix of grid-api: the real service as a process, against the real Keycloak, broker and a
 * test database. For EVERY operation of the served OpenAPI document × {no token, expired, wrong
 * signature, wrong issuer, wrong audience, viewer, operator, billing, admin} it asserts the status (and
 * the error code of every refusal).
 *
 * How to extend it (binding for everyone who adds a grid-api route):
 *  1. Add the route to ROUTES below, keyed `METHOD /path` exactly as the OpenAPI document spells the
 *     path (`/api/v1/nodes/{nodeId}/load`), with the roles allowed to call it. The test fails while the
 *     served document has a route ROUTES lacks (and for an entry the document no longer has), and it
 *     checks that the operation's `x-gridwerk-roles` (from `@Roles`) says the same as ROUTES.
 *  2. For a route with path parameters, required query parameters or a body, give a `request` the
 *     handler accepts for an allowed role (`path` with the parameters filled in, `query`, `body`), and
 *     `ok`, the status an allowed caller gets (default 200; e.g. 404 for an unknown alarm id, so that a
 *     state-changing route stays repeatable). Refused callers send the same request.
 *  3. grid-api's own required variables (consumer group, ...) go into `serviceEnv()`.
 * Public routes outside the document (health, metrics, the dashboard's static files) are in PUBLIC_ROUTES.
 *
 * Real tokens come from Keycloak by password grant (`gridwerk-cli`); the forged ones are signed with a
 * second key registered in the realm as a passive key (so each differs from a real token in one claim
 * only) or, for the wrong signature, a third key the JWKS never holds (`TokenForger`).
 */
import fs from 'node:fs';
import path from 'node:path';
import {
  AUTH_ERROR_CODES,
  fetchPasswordGrantToken,
  RATE_LIMITED_CODE,
  type Role,
  ROLES,
  testOidcProvider,
  TokenForger,
} from '@gridwerk/shared/auth';
import { createTestDatabase, type TestDatabase } from '@gridwerk/shared/data-access-database';
import { testBrokers } from '@gridwerk/shared/data-access-kafka';
import { freePort } from './free-port';
import { ServiceProcess } from './service-process';

jest.setTimeout(240_000);

const ALL: readonly Role[] = ROLES;
/** Read routes of the control room: everybody but billing (settlement only). */
const READERS: readonly Role[] = ['viewer', 'operator', 'admin'];
const NO_ALARM = '00000000-0000-4000-8000-000000000000';

interface RouteSpec {
  /** Roles that may call the route; there is no hierarchy (admin is allowed only where listed). */
  readonly roles: readonly Role[];
  readonly request?: {
    readonly path?: string;
    readonly query?: Record<string, string>;
    readonly body?: unknown;
  };
  /** Status of an allowed call (default 200). */
  readonly ok?: number;
}

/** Route → roles allowed. Every operation of the served document must be here (see above). */
const ROUTES: Readonly<Record<string, RouteSpec>> = {
  'GET /api/openapi.json': { roles: ALL },
  'GET /api/v1/me': { roles: ALL },
  // control room (libs/grid/feature-control-room); unknown ids answer 404 so that writes stay repeatable
  'GET /api/v1/clock': { roles: READERS },
  'GET /api/v1/topology': { roles: READERS },
  'GET /api/v1/topology/summary': { roles: READERS },
  'GET /api/v1/topology/stations': { roles: READERS, request: { query: { q: 'Straße', limit: '5' } } },
  'GET /api/v1/topology/nodes/{nodeId}': {
    roles: READERS,
    request: { path: '/api/v1/topology/nodes/UNKNOWN-NODE' },
    ok: 404,
  },
  'GET /api/v1/nodes/{nodeId}/load': {
    roles: READERS,
    request: { path: '/api/v1/nodes/UNKNOWN-NODE/load' },
    ok: 404,
  },
  'GET /api/v1/nodes/{nodeId}/forecast': {
    roles: READERS,
    request: { path: '/api/v1/nodes/UNKNOWN-NODE/forecast' },
    ok: 404,
  },
  'GET /api/v1/batteries': { roles: READERS },
  // dispatch plans from dispatch's view (empty here: no dispatch_plan_v1 in grid-api's test database)
  'GET /api/v1/dispatch/plans': { roles: READERS },
  'GET /api/v1/dispatch/stations/{stationId}/above-rating': {
    roles: READERS,
    request: { path: '/api/v1/dispatch/stations/UNKNOWN-NODE/above-rating' },
    ok: 404,
  },
  'GET /api/v1/settlement/batches': { roles: ALL },
  'GET /api/v1/alarms': { roles: READERS },
  'GET /api/v1/alarms/flood': { roles: READERS },
  'GET /api/v1/alarms/{id}/audit': {
    roles: READERS,
    request: { path: `/api/v1/alarms/${NO_ALARM}/audit` },
    ok: 404,
  },
  'GET /api/v1/audit': { roles: READERS },
  'POST /api/v1/alarms/{id}/acknowledge': {
    roles: ['operator'],
    request: { path: `/api/v1/alarms/${NO_ALARM}/acknowledge`, body: { comment: 'matrix' } },
    ok: 404,
  },
  'POST /api/v1/alarms/{id}/shelve': {
    roles: ['operator'],
    request: {
      path: `/api/v1/alarms/${NO_ALARM}/shelve`,
      body: { until: '2099-01-01T00:00:00Z', comment: 'matrix' },
    },
    ok: 404,
  },
  'POST /api/v1/alarms/{id}/unshelve': {
    roles: ['operator'],
    request: { path: `/api/v1/alarms/${NO_ALARM}/unshelve`, body: {} },
    ok: 404,
  },
  'POST /api/v1/alarms/{id}/out-of-service': {
    roles: ['operator'],
    request: { path: `/api/v1/alarms/${NO_ALARM}/out-of-service`, body: { comment: 'matrix' } },
    ok: 404,
  },
  'POST /api/v1/alarms/{id}/return-to-service': {
    roles: ['operator'],
    request: { path: `/api/v1/alarms/${NO_ALARM}/return-to-service`, body: {} },
    ok: 404,
  },
  'GET /api/v1/thresholds': { roles: ['admin'] },
  'PUT /api/v1/thresholds': { roles: ['admin'], request: { body: { overrides: { loadingWarnPct: 90 } } } },
  'GET /api/v1/thresholds/{nodeId}': {
    roles: ['admin'],
    request: { path: '/api/v1/thresholds/UNKNOWN-NODE' },
  },
  'PUT /api/v1/thresholds/{nodeId}': {
    roles: ['admin'],
    request: { path: '/api/v1/thresholds/UNKNOWN-NODE', body: { overrides: {} } },
    ok: 400,
  },
  'GET /api/v1/perimeters/{sub}': { roles: ['admin'], request: { path: '/api/v1/perimeters/matrix-user' } },
  'PUT /api/v1/perimeters/{sub}': {
    roles: ['admin'],
    request: { path: '/api/v1/perimeters/matrix-user', body: { substationIds: null } },
  },
  'GET /api/v1/stream': { roles: READERS },
};

/** Public routes, not in the OpenAPI document: every caller gets through, with or without a token. */
const PUBLIC_ROUTES: readonly string[] = ['GET /health', 'GET /health/live', 'GET /metrics'];

/** Rate limit of the service under test: well above the matrix's requests per user. */
const RATE_LIMIT_PER_MINUTE = 300;

const provider = testOidcProvider();
let db: TestDatabase;
let svc: ServiceProcess;
let base: string;
let forger: TokenForger;
const tokens = {} as Record<Role, string>;
let served: { paths: Record<string, Record<string, Record<string, unknown>>>; security?: unknown };

function serviceEnv(): Record<string, string> {
  return {
    DATABASE_URL: db.url,
    KAFKA_BROKERS: testBrokers().join(','),
    LOG_LEVEL: 'warn',
    OIDC_ISSUER_URL: provider.issuer,
    RATE_LIMIT_PER_MINUTE: String(RATE_LIMIT_PER_MINUTE),
  };
}

interface Outcome {
  status: number;
  code?: string;
}

/** One request; the body is read only for refusals (a stream route never ends). */
async function send(route: string, spec: RouteSpec | undefined, bearer?: string): Promise<Outcome> {
  const [method = 'GET', template = '/'] = route.split(' ');
  const path = spec?.request?.path ?? template;
  if (/[{}]/.test(path)) throw new Error(`${route}: give request.path with its parameters filled in`);
  const query = spec?.request?.query ? `?${new URLSearchParams(spec.request.query).toString()}` : '';
  const headers: Record<string, string> = {};
  if (bearer !== undefined) headers['authorization'] = bearer;
  let body: string | undefined;
  if (spec?.request?.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(spec.request.body);
  }
  const r = await fetch(`${base}${path}${query}`, { method, headers, body });
  if (r.status === 401 || r.status === 403 || r.status === 429) {
    const json = (await r.json()) as { code?: string };
    return { status: r.status, code: json.code ?? '(none)' };
  }
  await r.body?.cancel();
  return { status: r.status };
}

beforeAll(async () => {
  db = await createTestDatabase('auth_matrix');
  forger = await TokenForger.create(provider);
  for (const role of ROLES) tokens[role] = await fetchPasswordGrantToken(provider, role);
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  svc = new ServiceProcess('grid-api', port, serviceEnv());
  await svc.start();
  const r = await fetch(`${base}/api/openapi.json`, {
    headers: { authorization: `Bearer ${tokens.viewer}` },
  });
  expect(r.status).toBe(200);
  served = (await r.json()) as typeof served;
});

afterAll(async () => {
  await svc?.stop();
  await forger?.close().catch(() => undefined);
  await db?.drop();
});

describe('the served OpenAPI document', () => {
  const operations = (): string[] =>
    Object.entries(served.paths).flatMap(([path, item]) =>
      Object.keys(item)
        .filter((m) => ['get', 'put', 'post', 'delete', 'patch'].includes(m))
        .map((m) => `${m.toUpperCase()} ${path}`),
    );

  it('equals the committed copy the dashboard generates its types from (npm run grid-api:openapi)', () => {
    const committed = fs.readFileSync(
      path.resolve(__dirname, '../../apps/dashboard/src/api/openapi.json'),
      'utf8',
    );
    expect(JSON.parse(committed)).toEqual(served);
  });

  it('has exactly the routes of the matrix table', () => {
    const documented = operations().sort();
    expect({ missingFromTable: documented.filter((op) => !(op in ROUTES)) }).toEqual({
      missingFromTable: [],
    });
    expect({ notInDocument: Object.keys(ROUTES).filter((op) => !documented.includes(op)) }).toEqual({
      notInDocument: [],
    });
  });

  it('requires the bearer token everywhere and states the same roles as the table', () => {
    expect(served.security).toEqual([{ bearer: [] }]);
    for (const op of operations()) {
      const [method = '', path = ''] = op.split(' ');
      const declared = served.paths[path]?.[method.toLowerCase()]?.['x-gridwerk-roles'] as
        string[] | undefined;
      expect({ op, roles: [...(declared ?? [])].sort() }).toEqual({
        op,
        roles: [...(ROUTES[op]?.roles ?? [])].sort(),
      });
    }
  });
});

describe.each(Object.entries(ROUTES))('%s', (route, spec) => {
  it('answers each kind of caller as the table says', async () => {
    // forged tokens copy a real token of a role that may call the route: only the forged claim is wrong
    const real = tokens[spec.roles[0] ?? 'admin'];
    const cases: [string, () => Promise<string | undefined>, Outcome][] = [
      ['no token', () => Promise.resolve(undefined), { status: 401, code: AUTH_ERROR_CODES.TOKEN_MISSING }],
      [
        'expired',
        async () => `Bearer ${await forger.expired(real)}`,
        { status: 401, code: AUTH_ERROR_CODES.TOKEN_EXPIRED },
      ],
      [
        'wrong signature',
        async () => `Bearer ${await forger.wrongSignature(real)}`,
        { status: 401, code: AUTH_ERROR_CODES.SIGNATURE_INVALID },
      ],
      [
        'wrong issuer',
        async () => `Bearer ${await forger.wrongIssuer(real)}`,
        { status: 401, code: AUTH_ERROR_CODES.ISSUER_MISMATCH },
      ],
      [
        'wrong audience',
        async () => `Bearer ${await forger.wrongAudience(real)}`,
        { status: 401, code: AUTH_ERROR_CODES.AUDIENCE_MISMATCH },
      ],
      ...ROLES.map((role): [string, () => Promise<string>, Outcome] => [
        role,
        () => Promise.resolve(`Bearer ${tokens[role]}`),
        spec.roles.includes(role)
          ? { status: spec.ok ?? 200 }
          : { status: 403, code: AUTH_ERROR_CODES.FORBIDDEN },
      ]),
    ];
    const expected: Record<string, Outcome> = {};
    const actual: Record<string, Outcome> = {};
    for (const [name, bearer, outcome] of cases) {
      expected[name] = outcome;
      actual[name] = await send(route, spec, await bearer());
    }
    expect(actual).toEqual(expected);
  });
});

describe('public routes', () => {
  it.each(PUBLIC_ROUTES)('%s answers without a token, and ignores a bad one', async (route) => {
    expect((await send(route, undefined)).status).toBe(200);
    expect((await send(route, undefined, 'Bearer not-a-token')).status).toBe(200);
  });
});

describe('security headers', () => {
  it('are on answers, refusals, unknown routes and public routes; no HSTS over plain HTTP', async () => {
    for (const [p, bearer, status] of [
      ['/api/v1/me', `Bearer ${tokens.viewer}`, 200],
      ['/api/v1/me', undefined, 401],
      ['/api/v1/thresholds', `Bearer ${tokens.viewer}`, 403],
      ['/api/v1/no-such-route', `Bearer ${tokens.viewer}`, 404],
      ['/health', undefined, 200],
    ] as const) {
      const r = await fetch(`${base}${p}`, {
        headers: { ...(bearer ? { authorization: bearer } : {}), 'x-forwarded-proto': 'https' },
      });
      await r.body?.cancel();
      const h = (name: string) => r.headers.get(name);
      expect({ p, status: r.status }).toEqual({ p, status });
      expect(h('content-security-policy')).toMatch(/script-src 'self'.*frame-ancestors 'none'/);
      expect(h('x-frame-options')).toBe('DENY');
      expect(h('referrer-policy')).toBe('no-referrer');
      expect(h('x-content-type-options')).toBe('nosniff');
      // no proxy is trusted here (GRID_API_TRUST_PROXY unset): a client's claim of TLS does not count
      expect(h('strict-transport-security')).toBeNull();
    }
  });
});

describe('the forged-token key', () => {
  it('is trusted (positive control): a valid copy under it is accepted', async () => {
    const r = await fetch(`${base}/api/v1/me`, {
      headers: { authorization: `Bearer ${await forger.validCopy(tokens.operator)}` },
    });
    expect(r.status).toBe(200);
    expect(await r.json()).toMatchObject({ username: 'operator', roles: ['operator'] });
  });
});

describe('rate limit', () => {
  it(`answers 429 ${RATE_LIMITED_CODE} after ${RATE_LIMIT_PER_MINUTE} requests of one user in a minute`, async () => {
    const bearer = `Bearer ${await forger.validCopy(tokens.viewer, { sub: `rate-limit-probe-${Date.now()}` })}`;
    let ok = 0;
    for (let i = 0; i < RATE_LIMIT_PER_MINUTE; i++) {
      const o = await send('GET /api/v1/me', ROUTES['GET /api/v1/me'], bearer);
      if (o.status === 200) ok++;
    }
    expect(ok).toBe(RATE_LIMIT_PER_MINUTE);
    const r = await fetch(`${base}/api/v1/me`, { headers: { authorization: bearer } });
    expect(r.status).toBe(429);
    expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await r.json()).toMatchObject({
      statusCode: 429,
      code: RATE_LIMITED_CODE,
      limit: RATE_LIMIT_PER_MINUTE,
    });
    // other users keep their own budget
    expect((await send('GET /api/v1/me', ROUTES['GET /api/v1/me'], `Bearer ${tokens.admin}`)).status).toBe(
      200,
    );
  });
});
