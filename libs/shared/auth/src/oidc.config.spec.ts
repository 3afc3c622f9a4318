import { ConfigError, loadConfig } from '@gridwerk/shared/util-config';
import { oidcConfigSpec, oidcSettingsFrom, rateLimitConfigSpec } from './oidc.config';

const spec = { ...oidcConfigSpec, ...rateLimitConfigSpec };

describe('oidcConfigSpec', () => {
  it("defaults audience, roles claim and rate limit, and derives Keycloak's JWKS URL from the issuer", () => {
    const c = loadConfig('grid-api', spec, { OIDC_ISSUER_URL: 'https://login.example.de/realms/gridwerk' });
    expect(c).toEqual({
      oidcIssuerUrl: 'https://login.example.de/realms/gridwerk',
      oidcAudience: 'gridwerk-api',
      oidcJwksUrl: undefined,
      oidcRolesClaim: 'realm_access.roles',
      rateLimitPerMinute: 600,
    });
    expect(oidcSettingsFrom(c)).toEqual({
      issuer: 'https://login.example.de/realms/gridwerk',
      audience: 'gridwerk-api',
      jwksUrl: 'https://login.example.de/realms/gridwerk/protocol/openid-connect/certs',
      rolesClaim: 'realm_access.roles',
    });
  });

  it('takes an explicit JWKS URL, audience and claim (any OIDC provider)', () => {
    const c = loadConfig('grid-api', spec, {
      OIDC_ISSUER_URL: 'https://tenant.eu.auth0.com/',
      OIDC_AUDIENCE: 'https://api.gridwerk.example',
      OIDC_JWKS_URL: 'https://tenant.eu.auth0.com/.well-known/jwks.json',
      OIDC_ROLES_CLAIM: 'https://gridwerk.example/roles',
      RATE_LIMIT_PER_MINUTE: '120',
    });
    expect(oidcSettingsFrom(c)).toEqual({
      issuer: 'https://tenant.eu.auth0.com/',
      audience: 'https://api.gridwerk.example',
      jwksUrl: 'https://tenant.eu.auth0.com/.well-known/jwks.json',
      rolesClaim: 'https://gridwerk.example/roles',
    });
    expect(c.rateLimitPerMinute).toBe(120);
  });

  it('names every missing or bad variable', () => {
    let error: unknown;
    try {
      loadConfig('grid-api', spec, {
        OIDC_JWKS_URL: 'ftp://keys.example',
        OIDC_ROLES_CLAIM: 'realm_access..roles',
        RATE_LIMIT_PER_MINUTE: '0',
      });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const text = (error as ConfigError).problems.join('\n');
    expect(text).toMatch(/OIDC_ISSUER_URL is missing/);
    expect(text).toMatch(/OIDC_JWKS_URL must use https or http/);
    expect(text).toMatch(/OIDC_ROLES_CLAIM must be a claim name or a dotted path/);
    expect(text).toMatch(/RATE_LIMIT_PER_MINUTE must be >= 1/);
    expect((error as ConfigError).problems).toHaveLength(4);
  });

  it('rejects an issuer that is not a URL', () => {
    expect(() => loadConfig('grid-api', spec, { OIDC_ISSUER_URL: 'keycloak/realms/gridwerk' })).toThrow(
      /OIDC_ISSUER_URL must be a URL/,
    );
  });
});
