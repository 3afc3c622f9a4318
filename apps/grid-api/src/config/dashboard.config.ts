import { cfg } from '@gridwerk/shared/util-config';

/**
 * The dashboard grid-api serves at `/` (see ../dashboard/dashboard-static.module.ts). Spread into
 * gridApiConfigSpec; tools/k8s reads this file directly (every file in config/ is checked).
 */
export const dashboardSettingsSpec = {
  dashboardDir: cfg.string(
    'DASHBOARD_DIR',
    'directory of the built dashboard (npx nx run dashboard:build), served at / as public static files',
    'dist/apps/dashboard',
  ),
  dashboardOidcClientId: cfg.string(
    'DASHBOARD_OIDC_CLIENT_ID',
    'OIDC client id the dashboard logs in with (public client, authorization code + PKCE)',
    'gridwerk-dashboard',
  ),
};
