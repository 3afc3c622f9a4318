import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * Security headers on every grid-api response (API, dashboard files, errors): the dashboard is a control
 * room, so nothing may frame it (clickjacking), run script it did not ship (XSS) or leak its URLs (node
 * and alarm ids) to other sites. HSTS only when the request reached us over TLS, directly or through a
 * proxy we trust (GRID_API_TRUST_PROXY): sent over plain HTTP it would be ignored at best, and pin a
 * browser to HTTPS on a host that has none at worst.
 */
export interface SecurityHeaderSettings {
  /** The OIDC issuer the dashboard signs in at: its origin is the one other place the SPA may fetch from. */
  oidcIssuerUrl: string;
  /** Max age of HSTS, seconds. */
  hstsMaxAgeS: number;
}

export function contentSecurityPolicy(oidcIssuerUrl: string): string {
  const issuer = new URL(oidcIssuerUrl).origin;
  return [
    "default-src 'self'",
    // no 'unsafe-inline', no 'unsafe-eval': only the build's own module files
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    // the API and its event stream; the token endpoint of the issuer (code exchange, refresh)
    `connect-src 'self' ${issuer}`,
    `form-action 'self' ${issuer}`,
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "object-src 'none'",
  ].join('; ');
}

export function securityHeaders(
  settings: SecurityHeaderSettings,
): (req: IncomingMessage & { secure?: boolean }, res: ServerResponse, next: () => void) => void {
  const csp = contentSecurityPolicy(settings.oidcIssuerUrl);
  const hsts = `max-age=${settings.hstsMaxAgeS}; includeSubDomains`;
  return (req, res, next) => {
    res.setHeader('content-security-policy', csp);
    res.setHeader('x-frame-options', 'DENY');
    res.setHeader('referrer-policy', 'no-referrer');
    res.setHeader('x-content-type-options', 'nosniff');
    res.setHeader('cross-origin-opener-policy', 'same-origin');
    res.setHeader('permissions-policy', 'camera=(), microphone=(), geolocation=(), payment=()');
    // Express's req.secure: TLS on this socket, or X-Forwarded-Proto: https from a trusted proxy
    if (req.secure === true) res.setHeader('strict-transport-security', hsts);
    next();
  };
}
