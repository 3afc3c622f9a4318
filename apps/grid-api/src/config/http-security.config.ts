import { cfg } from '@gridwerk/shared/util-config';

/**
 * How grid-api tells a TLS request from a plain one behind a reverse proxy, for HSTS (see
 * ../http/security-headers.ts). Spread into gridApiConfigSpec; tools/k8s reads this file directly.
 */
export const httpSecuritySpec = {
  trustProxy: cfg.list(
    'GRID_API_TRUST_PROXY',
    'proxies whose X-Forwarded-Proto/-For grid-api believes (Express "trust proxy": loopback, uniquelocal, addresses, CIDRs; "none": no proxy)',
    ['none'],
  ),
  hstsMaxAgeS: cfg.int(
    'GRID_API_HSTS_MAX_AGE_S',
    'max-age of Strict-Transport-Security (sent on TLS requests only), seconds',
    {
      min: 0,
      default: 31_536_000,
    },
  ),
};
