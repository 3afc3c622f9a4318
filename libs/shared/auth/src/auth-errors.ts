/** Stable codes of authentication and authorisation failures, in every error body as `code`. */
export const AUTH_ERROR_CODES = {
  /** No `Authorization: Bearer ...` header. */
  TOKEN_MISSING: 'AUTH.TOKEN_MISSING',
  /** Not a well-formed JWS/JWT, a disallowed algorithm, not an access token, or no `sub`. */
  TOKEN_INVALID: 'AUTH.TOKEN_INVALID',
  TOKEN_EXPIRED: 'AUTH.TOKEN_EXPIRED',
  TOKEN_NOT_YET_VALID: 'AUTH.TOKEN_NOT_YET_VALID',
  /** Signed by a key the issuer's JWKS does not hold, or the signature does not match. */
  SIGNATURE_INVALID: 'AUTH.SIGNATURE_INVALID',
  ISSUER_MISMATCH: 'AUTH.ISSUER_MISMATCH',
  AUDIENCE_MISMATCH: 'AUTH.AUDIENCE_MISMATCH',
  /** Authenticated, but none of the caller's roles may call the route. */
  FORBIDDEN: 'AUTH.FORBIDDEN',
  /** The issuer's JWKS could not be fetched: the token may be fine, try again. */
  PROVIDER_UNAVAILABLE: 'AUTH.PROVIDER_UNAVAILABLE',
} as const;

export type AuthErrorCode = (typeof AUTH_ERROR_CODES)[keyof typeof AUTH_ERROR_CODES];

/** Why a token was refused; `status` is the HTTP status the guard answers with. */
export class AuthError extends Error {
  constructor(
    readonly code: AuthErrorCode,
    message: string,
    readonly status: 401 | 403 | 503,
  ) {
    super(message);
    this.name = 'AuthError';
  }
}

interface JoseLikeError {
  code?: unknown;
  claim?: unknown;
  message?: unknown;
}

/** Translates a jose error (or a JWKS fetch failure) into the caller-facing error. */
export function authErrorFromJose(err: unknown): AuthError {
  const e = (typeof err === 'object' && err !== null ? err : {}) as JoseLikeError;
  const message = typeof e.message === 'string' ? e.message : String(err);
  switch (e.code) {
    case 'ERR_JWT_EXPIRED':
      return new AuthError(AUTH_ERROR_CODES.TOKEN_EXPIRED, 'the access token has expired', 401);
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED':
      if (e.claim === 'iss')
        return new AuthError(AUTH_ERROR_CODES.ISSUER_MISMATCH, 'the token was issued by another issuer', 401);
      if (e.claim === 'aud')
        return new AuthError(AUTH_ERROR_CODES.AUDIENCE_MISMATCH, 'the token is not meant for this API', 401);
      if (e.claim === 'nbf')
        return new AuthError(AUTH_ERROR_CODES.TOKEN_NOT_YET_VALID, 'the token is not valid yet', 401);
      return new AuthError(AUTH_ERROR_CODES.TOKEN_INVALID, `invalid token claims: ${message}`, 401);
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
      return new AuthError(AUTH_ERROR_CODES.SIGNATURE_INVALID, 'the token signature does not verify', 401);
    case 'ERR_JWKS_NO_MATCHING_KEY':
    case 'ERR_JWKS_MULTIPLE_MATCHING_KEYS':
      return new AuthError(
        AUTH_ERROR_CODES.SIGNATURE_INVALID,
        "the token is not signed with the issuer's keys",
        401,
      );
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
    case 'ERR_JOSE_NOT_SUPPORTED':
    case 'ERR_JWS_INVALID':
    case 'ERR_JWT_INVALID':
    case 'ERR_JWE_INVALID':
      return new AuthError(AUTH_ERROR_CODES.TOKEN_INVALID, 'the bearer token is not a valid signed JWT', 401);
    default:
      return new AuthError(
        AUTH_ERROR_CODES.PROVIDER_UNAVAILABLE,
        `the identity provider's signing keys are unavailable: ${message}`,
        503,
      );
  }
}
