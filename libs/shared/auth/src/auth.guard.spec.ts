import { Controller, Get, INestApplication, Injectable, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { createLocalJWKSet, exportJWK, generateKeyPair, type JWTPayload, type KeyLike, SignJWT } from 'jose';
import type { AuthUser } from './auth-user';
import { CurrentUser, Public, Roles } from './auth.decorators';
import { AUTH_ERROR_CODES } from './auth-errors';
import { AuthModule } from './auth.module';
import { PERIMETER_RESOLVER, type PerimeterResolver } from './perimeter';
import { RATE_LIMITED_CODE } from './rate-limit.guard';

/**
 * The guard in a real Nest app over HTTP, with tokens signed by keys generated here and verified by
 * jose against a local key set (the int-spec does the same against Keycloak's JWKS).
 */
const ISSUER = 'https://idp.test/realms/gridwerk';
const AUDIENCE = 'gridwerk-api';

@Controller('t')
class ProbeController {
  @Get('open') @Public() open() {
    return { ok: true };
  }
  @Get('read') @Roles('viewer', 'operator') read(@CurrentUser() user: AuthUser) {
    return user;
  }
  @Get('undecorated') undecorated() {
    return { ok: true };
  }
}

@Controller('c')
@Roles('billing')
class BillingController {
  @Get() list() {
    return { ok: true };
  }
}

@Injectable()
class Perimeters implements PerimeterResolver {
  perimeterOf(user: Omit<AuthUser, 'perimeter'>): Promise<readonly string[] | undefined> {
    return Promise.resolve(user.username === 'restricted' ? ['SUB-A'] : undefined);
  }
}

@Module({ providers: [Perimeters, { provide: PERIMETER_RESOLVER, useExisting: Perimeters }] })
class PerimeterModule {}

let app: INestApplication;
let base: string;
let key: KeyLike;
let otherKey: KeyLike;

async function token(claims: JWTPayload = {}, signWith: KeyLike = key, kid = 'k1'): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({
    iss: ISSUER,
    aud: AUDIENCE,
    sub: 'u-1',
    preferred_username: 'otto',
    iat: now,
    exp: now + 300,
    realm_access: { roles: ['operator'] },
    ...claims,
  })
    .setProtectedHeader({ alg: 'RS256', kid })
    .sign(signWith);
}

async function call(path: string, bearer?: string) {
  const r = await fetch(`${base}${path}`, bearer === undefined ? {} : { headers: { authorization: bearer } });
  return { status: r.status, body: (await r.json()) as Record<string, unknown>, headers: r.headers };
}

beforeAll(async () => {
  const pair = await generateKeyPair('RS256');
  key = pair.privateKey;
  otherKey = (await generateKeyPair('RS256')).privateKey;
  const jwks = createLocalJWKSet({
    keys: [{ ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256' }],
  });
  const moduleRef = await Test.createTestingModule({
    imports: [
      AuthModule.forRoot(
        {
          oidcIssuerUrl: ISSUER,
          oidcAudience: AUDIENCE,
          oidcJwksUrl: undefined,
          oidcRolesClaim: 'realm_access.roles',
          rateLimitPerMinute: 5,
        },
        { keys: jwks },
      ),
      PerimeterModule,
    ],
    controllers: [ProbeController, BillingController],
  }).compile();
  app = moduleRef.createNestApplication({ logger: false });
  await app.listen(0, '127.0.0.1');
  base = await app.getUrl();
});

afterAll(async () => {
  await app?.close();
});

describe('AuthGuard', () => {
  it('lets a @Public route through without a token', async () => {
    expect((await call('/t/open')).status).toBe(200);
  });

  it('answers 401 AUTH.TOKEN_MISSING with a WWW-Authenticate challenge when there is no token', async () => {
    const r = await call('/t/read');
    expect(r.status).toBe(401);
    expect(r.body).toEqual({
      statusCode: 401,
      error: 'Unauthorized',
      code: AUTH_ERROR_CODES.TOKEN_MISSING,
      message: expect.any(String),
    });
    expect(r.headers.get('www-authenticate')).toBe('Bearer realm="gridwerk"');
  });

  it.each([
    [
      'a non-bearer scheme',
      async () => `Basic ${Buffer.from('a:b').toString('base64')}`,
      AUTH_ERROR_CODES.TOKEN_INVALID,
    ],
    ['garbage', async () => 'Bearer not-a-jwt', AUTH_ERROR_CODES.TOKEN_INVALID],
    [
      'an expired token',
      async () => `Bearer ${await token({ exp: Math.floor(Date.now() / 1000) - 60 })}`,
      AUTH_ERROR_CODES.TOKEN_EXPIRED,
    ],
    [
      'a token not valid yet',
      async () => `Bearer ${await token({ nbf: Math.floor(Date.now() / 1000) + 600 })}`,
      AUTH_ERROR_CODES.TOKEN_NOT_YET_VALID,
    ],
    [
      'another issuer',
      async () => `Bearer ${await token({ iss: 'https://evil.test/' })}`,
      AUTH_ERROR_CODES.ISSUER_MISMATCH,
    ],
    [
      'another audience',
      async () => `Bearer ${await token({ aud: 'account' })}`,
      AUTH_ERROR_CODES.AUDIENCE_MISMATCH,
    ],
    [
      'a foreign key under the known kid',
      async () => `Bearer ${await token({}, otherKey)}`,
      AUTH_ERROR_CODES.SIGNATURE_INVALID,
    ],
    [
      'an unknown kid',
      async () => `Bearer ${await token({}, otherKey, 'k2')}`,
      AUTH_ERROR_CODES.SIGNATURE_INVALID,
    ],
    ['no sub', async () => `Bearer ${await token({ sub: undefined })}`, AUTH_ERROR_CODES.TOKEN_INVALID],
    [
      'a Keycloak ID token',
      async () => `Bearer ${await token({ typ: 'ID' })}`,
      AUTH_ERROR_CODES.TOKEN_INVALID,
    ],
    [
      'an HS256 token (alg confusion)',
      async () =>
        `Bearer ${await new SignJWT({
          iss: ISSUER,
          aud: AUDIENCE,
          sub: 'x',
          exp: Math.floor(Date.now() / 1000) + 60,
        })
          .setProtectedHeader({ alg: 'HS256', kid: 'k1' })
          .sign(new TextEncoder().encode('x'.repeat(32)))}`,
      AUTH_ERROR_CODES.TOKEN_INVALID,
    ],
  ])('answers 401 for %s', async (_name, header, code) => {
    const r = await call('/t/read', await header());
    expect(r.status).toBe(401);
    expect(r.body['code']).toBe(code);
    expect(r.headers.get('www-authenticate')).toBe('Bearer realm="gridwerk", error="invalid_token"');
  });

  it('sets the caller (with the perimeter from the app) on the request', async () => {
    const r = await call(
      '/t/read',
      `Bearer ${await token({ sub: 'u-2', preferred_username: 'restricted' })}`,
    );
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ sub: 'u-2', username: 'restricted', roles: ['operator'], perimeter: ['SUB-A'] });
    const whole = await call(
      '/t/read',
      `Bearer ${await token({ sub: 'u-3', preferred_username: undefined, realm_access: { roles: ['viewer'] } })}`,
    );
    expect(whole.body).toEqual({ sub: 'u-3', username: 'u-3', roles: ['viewer'] });
  });

  it('answers 403 AUTH.FORBIDDEN for a role the route does not list, with no role hierarchy', async () => {
    const billing = await call(
      '/t/read',
      `Bearer ${await token({ sub: 'u-4', realm_access: { roles: ['billing'] } })}`,
    );
    expect(billing.status).toBe(403);
    expect(billing.body).toMatchObject({ code: AUTH_ERROR_CODES.FORBIDDEN, error: 'Forbidden' });
    expect(billing.headers.get('www-authenticate')).toContain('insufficient_scope');
    const admin = await call(
      '/t/read',
      `Bearer ${await token({ sub: 'u-5', realm_access: { roles: ['admin'] } })}`,
    );
    expect(admin.status).toBe(403);
    const none = await call(
      '/t/read',
      `Bearer ${await token({ sub: 'u-6', realm_access: { roles: ['offline_access'] } })}`,
    );
    expect(none.status).toBe(403);
  });

  it('keeps a route without @Roles for admins only', async () => {
    expect((await call('/t/undecorated', `Bearer ${await token({ sub: 'u-7' })}`)).status).toBe(403);
    const admin = await call(
      '/t/undecorated',
      `Bearer ${await token({ sub: 'u-8', realm_access: { roles: ['admin'] } })}`,
    );
    expect(admin.status).toBe(200);
  });

  it('applies class-level @Roles', async () => {
    expect(
      (await call('/c', `Bearer ${await token({ sub: 'u-9', realm_access: { roles: ['billing'] } })}`))
        .status,
    ).toBe(200);
    expect((await call('/c', `Bearer ${await token({ sub: 'u-10' })}`)).status).toBe(403);
  });
});

describe('RateLimitGuard', () => {
  it('counts per user over all routes, after authentication, and answers 429 REQUEST.RATE_LIMITED', async () => {
    const busy = `Bearer ${await token({ sub: 'busy', realm_access: { roles: ['viewer', 'billing'] } })}`;
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await call('/t/read', busy)).status);
    for (let i = 0; i < 2; i++) statuses.push((await call('/c', busy)).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200]);
    const limited = await call('/t/read', busy);
    expect(limited.status).toBe(429);
    expect(limited.body).toMatchObject({ statusCode: 429, code: RATE_LIMITED_CODE, limit: 5, windowS: 60 });
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    // another user has a budget of their own; refused requests and public routes spend none
    expect((await call('/t/read', `Bearer ${await token({ sub: 'calm' })}`)).status).toBe(200);
    for (let i = 0; i < 6; i++) expect((await call('/t/open')).status).toBe(200);
    for (let i = 0; i < 6; i++) expect((await call('/t/read')).status).toBe(401);
  });
});
