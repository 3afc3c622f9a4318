import { createRemoteJWKSet, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import type { AuthUser } from './auth-user';
import { AUTH_ERROR_CODES, AuthError, authErrorFromJose } from './auth-errors';
import type { OidcSettings } from './oidc.config';
import { rolesFromClaims } from './roles-claim';

/** Asymmetric algorithms only: a JWKS never holds the secret an HS256 token would need (no alg confusion). */
export const ACCEPTED_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
];

/** Clock skew tolerated between the identity provider and this service, in seconds. */
export const CLOCK_TOLERANCE_S = 5;

export type VerifiedIdentity = Omit<AuthUser, 'perimeter'> & { readonly claims: JWTPayload };

/**
 * Verifies bearer access tokens with jose: signature against the issuer's JWKS (fetched once, cached,
 * refetched when a token names an unknown key id), then `iss`, `aud`, `exp`/`nbf`, and `sub`.
 */
export class TokenVerifier {
  private readonly keys: JWTVerifyGetKey;

  constructor(
    private readonly settings: OidcSettings,
    keys?: JWTVerifyGetKey,
  ) {
    this.keys =
      keys ??
      createRemoteJWKSet(new URL(settings.jwksUrl), {
        timeoutDuration: 5_000,
        cooldownDuration: 30_000,
        cacheMaxAge: 10 * 60_000,
      });
  }

  async verify(token: string): Promise<VerifiedIdentity> {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.keys, {
        issuer: this.settings.issuer,
        audience: this.settings.audience,
        algorithms: ACCEPTED_ALGORITHMS,
        clockTolerance: CLOCK_TOLERANCE_S,
        requiredClaims: ['exp', 'sub'],
      }));
    } catch (err) {
      throw authErrorFromJose(err);
    }
    // Keycloak marks its token kinds; an ID or refresh token is not an API credential.
    const typ = payload['typ'];
    if (typeof typ === 'string' && typ.toLowerCase() !== 'bearer') {
      throw new AuthError(AUTH_ERROR_CODES.TOKEN_INVALID, `a "${typ}" token is not an access token`, 401);
    }
    const sub = payload.sub as string;
    const preferred = payload['preferred_username'];
    return {
      sub,
      username: typeof preferred === 'string' && preferred.length > 0 ? preferred : sub,
      roles: rolesFromClaims(payload, this.settings.rolesClaim),
      claims: payload,
    };
  }
}
