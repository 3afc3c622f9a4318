import { errors } from 'jose';
import { AUTH_ERROR_CODES, authErrorFromJose } from './auth-errors';

describe('authErrorFromJose', () => {
  it.each([
    [
      new errors.JWTExpired('"exp" claim timestamp check failed', {}, 'exp', 'check_failed'),
      AUTH_ERROR_CODES.TOKEN_EXPIRED,
      401,
    ],
    [
      new errors.JWTClaimValidationFailed('unexpected "iss"', {}, 'iss', 'check_failed'),
      AUTH_ERROR_CODES.ISSUER_MISMATCH,
      401,
    ],
    [
      new errors.JWTClaimValidationFailed('unexpected "aud"', {}, 'aud', 'check_failed'),
      AUTH_ERROR_CODES.AUDIENCE_MISMATCH,
      401,
    ],
    [
      new errors.JWTClaimValidationFailed('"nbf" check failed', {}, 'nbf', 'check_failed'),
      AUTH_ERROR_CODES.TOKEN_NOT_YET_VALID,
      401,
    ],
    [
      new errors.JWTClaimValidationFailed('missing "sub"', {}, 'sub', 'missing'),
      AUTH_ERROR_CODES.TOKEN_INVALID,
      401,
    ],
    [new errors.JWSSignatureVerificationFailed(), AUTH_ERROR_CODES.SIGNATURE_INVALID, 401],
    [new errors.JWKSNoMatchingKey(), AUTH_ERROR_CODES.SIGNATURE_INVALID, 401],
    [
      new errors.JOSEAlgNotAllowed('"alg" (Algorithm) Header Parameter value not allowed'),
      AUTH_ERROR_CODES.TOKEN_INVALID,
      401,
    ],
    [new errors.JWSInvalid('Invalid Compact JWS'), AUTH_ERROR_CODES.TOKEN_INVALID, 401],
    [
      new errors.JWTInvalid('JWT Claims Set must be a top-level JSON object'),
      AUTH_ERROR_CODES.TOKEN_INVALID,
      401,
    ],
    [new errors.JWKSTimeout(), AUTH_ERROR_CODES.PROVIDER_UNAVAILABLE, 503],
    [
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8080'), { code: 'ECONNREFUSED' }),
      AUTH_ERROR_CODES.PROVIDER_UNAVAILABLE,
      503,
    ],
  ])('%s -> %s (%i)', (err, code, status) => {
    const e = authErrorFromJose(err);
    expect(e.code).toBe(code);
    expect(e.status).toBe(status);
  });
});
