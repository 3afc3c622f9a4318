import type { ConfigOf, FieldSpec } from '@gridwerk/shared/util-config';
import { cfg } from '@gridwerk/shared/util-config';

class OidcParseError extends Error {}

/** A dotted path into the token's claims; a top-level claim whose name contains dots also matches. */
function claimPath(env: string, description: string, defaultValue: string): FieldSpec<string> {
  return {
    env,
    description,
    defaultValue,
    parse(raw: string): string {
      const v = raw.trim();
      if (v.length === 0 || v.split('.').some((segment) => segment.length === 0)) {
        throw new OidcParseError(
          `must be a claim name or a dotted path such as realm_access.roles, got "${raw}"`,
        );
      }
      return v;
    },
  };
}

/**
 * The OIDC settings of an HTTP API that accepts bearer tokens (grid-api, settlement). Spread into an
 * app's config spec: `{ ...oidcConfigSpec, ... }`.
 */
export const oidcConfigSpec = {
  oidcIssuerUrl: cfg.url(
    'OIDC_ISSUER_URL',
    'OIDC issuer: tokens must carry exactly this `iss` (Keycloak: https://<host>/realms/gridwerk)',
    ['https', 'http'],
    undefined,
    false,
  ),
  oidcAudience: cfg.string(
    'OIDC_AUDIENCE',
    'audience (`aud`) every access token must contain',
    'gridwerk-api',
  ),
  oidcJwksUrl: cfg.optional(
    cfg.url(
      'OIDC_JWKS_URL',
      "JWKS URL of the issuer's signing keys (default: issuer + /protocol/openid-connect/certs, Keycloak's)",
      ['https', 'http'],
      undefined,
      false,
    ),
  ),
  oidcRolesClaim: claimPath(
    'OIDC_ROLES_CLAIM',
    'claim (dotted path) holding the list of roles: viewer, operator, billing, admin',
    'realm_access.roles',
  ),
};

export type OidcConfig = ConfigOf<typeof oidcConfigSpec>;

/** What the verifier works with: every URL resolved. */
export interface OidcSettings {
  readonly issuer: string;
  readonly audience: string;
  readonly jwksUrl: string;
  readonly rolesClaim: string;
}

export function oidcSettingsFrom(config: OidcConfig): OidcSettings {
  return {
    issuer: config.oidcIssuerUrl,
    audience: config.oidcAudience,
    jwksUrl:
      config.oidcJwksUrl ?? `${config.oidcIssuerUrl.replace(/\/+$/, '')}/protocol/openid-connect/certs`,
    rolesClaim: config.oidcRolesClaim,
  };
}

/** Requests per minute per user (all routes together); spread into an app's config spec. */
export const rateLimitConfigSpec = {
  rateLimitPerMinute: cfg.int(
    'RATE_LIMIT_PER_MINUTE',
    'requests per minute per user over all authenticated routes; more get 429 REQUEST.RATE_LIMITED',
    { min: 1, max: 1_000_000, default: 600 },
  ),
};

export type RateLimitConfig = ConfigOf<typeof rateLimitConfigSpec>;
