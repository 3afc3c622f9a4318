import { oidcConfigSpec, rateLimitConfigSpec } from '@gridwerk/shared/auth';
import type { Env } from '@gridwerk/shared/util-config';
import { loadServiceConfig } from '@gridwerk/shared/feature-ops';

/**
 * grid-api's own variables: OIDC (issuer, audience, JWKS, roles claim) and the rate limit; HTTP,
 * logging, Kafka and database come from the platform spec.
 */
export const gridApiConfigSpec = { ...oidcConfigSpec, ...rateLimitConfigSpec };

export const loadGridApiConfig = (env?: Env) => loadServiceConfig('grid-api', 3004, gridApiConfigSpec, env);
export type GridApiConfig = ReturnType<typeof loadGridApiConfig>;
