import { controlRoomConfigSpec } from '@gridwerk/grid/feature-control-room';
import { oidcConfigSpec, rateLimitConfigSpec } from '@gridwerk/shared/auth';
import type { Env } from '@gridwerk/shared/util-config';
import { dashboardSettingsSpec } from './dashboard.config';
import { httpSecuritySpec } from './http-security.config';
import { loadServiceConfig } from '@gridwerk/shared/feature-ops';

/**
 * grid-api's own variables: OIDC (issuer, audience, JWKS, roles claim) and the rate limit; HTTP,
 * logging, Kafka and database come from the platform spec; the control room's (GRID_API_*, GRID_ALARM_*)
 * from its feature lib; the dashboard it serves (DASHBOARD_*) from ./dashboard.config.
 */
export const gridApiConfigSpec = {
  ...oidcConfigSpec,
  ...rateLimitConfigSpec,
  ...controlRoomConfigSpec,
  ...dashboardSettingsSpec,
  ...httpSecuritySpec,
};

export const loadGridApiConfig = (env?: Env) => loadServiceConfig('grid-api', 3004, gridApiConfigSpec, env);
export type GridApiConfig = ReturnType<typeof loadGridApiConfig>;

/**
 * Config for building the OpenAPI document in `preview: true` mode (nothing connects): the environment's
 * values where set, a placeholder issuer otherwise.
 */
export const loadGridApiPreviewConfig = () =>
  loadGridApiConfig({ OIDC_ISSUER_URL: 'http://127.0.0.1:8080/realms/gridwerk', ...process.env });
