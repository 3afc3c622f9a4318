import crypto from 'node:crypto';
import { decodeJwt } from 'jose';
import { ROLES } from './auth-user';
import { AUTH_ERROR_CODES, AuthError } from './auth-errors';
import { oidcSettingsFrom } from './oidc.config';
import { fetchPasswordGrantToken, readKeycloakCredentials, testOidcProvider, TokenForger } from './testing';
import { TokenVerifier } from './token-verifier';

/**
 * The verifier against the real Keycloak of tools/infra (realm gridwerk): real tokens of the four demo
 * users, and tokens forged with a second key (registered in the realm as a passive key) and a third,
 * unknown one. Nothing of jose or the verifier is stubbed.
 */
jest.setTimeout(120_000);

const provider = testOidcProvider();
const verifier = new TokenVerifier(
  oidcSettingsFrom({
    oidcIssuerUrl: provider.issuer,
    oidcAudience: 'gridwerk-api',
    oidcJwksUrl: undefined,
    oidcRolesClaim: 'realm_access.roles',
  }),
);
let forger: TokenForger;

async function refusal(token: string): Promise<string> {
  try {
    await verifier.verify(token);
  } catch (err) {
    if (err instanceof AuthError) return err.code;
    throw err;
  }
  throw new Error('the token was accepted');
}

beforeAll(async () => {
  forger = await TokenForger.create(provider);
});
afterAll(async () => {
  await forger?.close();
});

describe('Keycloak realm gridwerk', () => {
  it.each(ROLES)('issues %s a token the verifier accepts, with exactly that role', async (role) => {
    const token = await fetchPasswordGrantToken(provider, role);
    const claims = decodeJwt(token);
    expect(claims.iss).toBe(provider.issuer);
    expect(claims.aud).toContain('gridwerk-api');
    const identity = await verifier.verify(token);
    expect(identity).toMatchObject({ username: role, roles: [role], sub: claims.sub });
  });

  it('refuses a wrong password (credentials come from the state dir, never from the repo)', async () => {
    const creds = readKeycloakCredentials(provider.credentialsFile);
    expect(creds.users.viewer.password).toHaveLength(24);
    const r = await fetch(`${provider.issuer}/protocol/openid-connect/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'password',
        client_id: 'gridwerk-cli',
        username: 'viewer',
        password: `${creds.users.viewer.password}x`,
      }).toString(),
    });
    expect(r.status).toBe(401);
  });

  it('lets the dashboard client log in only with PKCE S256, back to 127.0.0.1 or localhost', async () => {
    const auth = (params: Record<string, string>) =>
      fetch(
        `${provider.issuer}/protocol/openid-connect/auth?${new URLSearchParams({
          client_id: 'gridwerk-dashboard',
          response_type: 'code',
          scope: 'openid',
          ...params,
        }).toString()}`,
        { redirect: 'manual' },
      );
    const challenge = crypto.createHash('sha256').update('verifier-'.repeat(8)).digest('base64url');
    const pkce = { code_challenge: challenge, code_challenge_method: 'S256' };
    const login = await auth({ redirect_uri: 'http://127.0.0.1:5173/callback', ...pkce });
    expect(login.status).toBe(200);
    expect(await login.text()).toContain('kc-form-login');
    expect((await auth({ redirect_uri: 'http://localhost:3004/', ...pkce })).status).toBe(200);
    // without PKCE Keycloak sends the browser back with an error instead of a login page
    const plain = await auth({ redirect_uri: 'http://127.0.0.1:5173/callback' });
    expect(plain.status).toBe(302);
    expect(plain.headers.get('location')).toMatch(/error=invalid_request/);
    expect((await auth({ redirect_uri: 'https://evil.example/', ...pkce })).status).toBe(400);
  });

  it('runs the dashboard login end to end: login page, code, PKCE exchange from the browser origin', async () => {
    const creds = readKeycloakCredentials(provider.credentialsFile);
    const verifierText = crypto.randomBytes(32).toString('base64url');
    const redirectUri = 'http://127.0.0.1:5173/callback';
    const page = await fetch(
      `${provider.issuer}/protocol/openid-connect/auth?${new URLSearchParams({
        client_id: 'gridwerk-dashboard',
        response_type: 'code',
        scope: 'openid',
        redirect_uri: redirectUri,
        state: 'st-1',
        code_challenge: crypto.createHash('sha256').update(verifierText).digest('base64url'),
        code_challenge_method: 'S256',
      }).toString()}`,
    );
    const cookies = page.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; ');
    const action = /<form[^>]+id="kc-form-login"[^>]+action="([^"]+)"/.exec(await page.text())?.[1];
    expect(action).toBeDefined();
    const login = await fetch((action ?? '').replace(/&amp;/g, '&'), {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: cookies },
      body: new URLSearchParams({ username: 'operator', password: creds.users.operator.password }).toString(),
    });
    expect(login.status).toBe(302);
    const back = new URL(login.headers.get('location') ?? '');
    expect(`${back.origin}${back.pathname}`).toBe(redirectUri);
    expect(back.searchParams.get('state')).toBe('st-1');
    const exchange = await fetch(`${provider.issuer}/protocol/openid-connect/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'http://127.0.0.1:5173' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        client_id: 'gridwerk-dashboard',
        code: back.searchParams.get('code') ?? '',
        redirect_uri: redirectUri,
        code_verifier: verifierText,
      }).toString(),
    });
    expect(exchange.status).toBe(200);
    expect(exchange.headers.get('access-control-allow-origin')).toBe('http://127.0.0.1:5173');
    const { access_token: token } = (await exchange.json()) as { access_token: string };
    expect(await verifier.verify(token)).toMatchObject({ username: 'operator', roles: ['operator'] });
  });

  it('never lets the dashboard client use the password grant', async () => {
    const creds = readKeycloakCredentials(provider.credentialsFile);
    const r = await fetch(`${provider.issuer}/protocol/openid-connect/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'password',
        client_id: 'gridwerk-dashboard',
        username: 'viewer',
        password: creds.users.viewer.password,
      }).toString(),
    });
    expect(r.status).toBe(400);
    expect(((await r.json()) as { error?: string }).error).toBe('unauthorized_client');
  });
});

describe('tokens forged with other keys', () => {
  let real: string;
  beforeAll(async () => {
    real = await fetchPasswordGrantToken(provider, 'operator');
  });

  it('accepts a copy under the registered test key (so each refusal below is about one claim)', async () => {
    expect((await verifier.verify(await forger.validCopy(real))).roles).toEqual(['operator']);
  });

  it.each([
    ['expired', (t: string) => forger.expired(t), AUTH_ERROR_CODES.TOKEN_EXPIRED],
    ['wrong issuer', (t: string) => forger.wrongIssuer(t), AUTH_ERROR_CODES.ISSUER_MISMATCH],
    ['wrong audience', (t: string) => forger.wrongAudience(t), AUTH_ERROR_CODES.AUDIENCE_MISMATCH],
    ['wrong signature', (t: string) => forger.wrongSignature(t), AUTH_ERROR_CODES.SIGNATURE_INVALID],
  ])('refuses a token with a %s', async (_name, forge, code) => {
    expect(await refusal(await forge(real))).toBe(code);
  });

  it('refuses a tampered real token (roles raised, signature kept)', async () => {
    const [header, , signature] = real.split('.');
    const claims = { ...decodeJwt(real), realm_access: { roles: ['admin'] } };
    const tampered = `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${signature}`;
    expect(await refusal(tampered)).toBe(AUTH_ERROR_CODES.SIGNATURE_INVALID);
  });
});
