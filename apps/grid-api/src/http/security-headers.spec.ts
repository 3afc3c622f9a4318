import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { trustProxySetting } from '../configure';
import { contentSecurityPolicy, securityHeaders } from './security-headers';

/** The middleware in a real Express server, as grid-api mounts it, over real HTTP. */
async function serve(trust: readonly string[]): Promise<{ base: string; close: () => Promise<void> }> {
  const app = express();
  app.set('trust proxy', trustProxySetting(trust));
  app.use(securityHeaders({ oidcIssuerUrl: 'https://sso.example.de/realms/gridwerk', hstsMaxAgeS: 600 }));
  app.get('/ok', (_req, res) => void res.json({ ok: true }));
  // as Nest answers a route it does not know: a JSON 404 through the same response
  app.use((_req: express.Request, res: express.Response) => void res.status(404).json({ statusCode: 404 }));
  const server = http.createServer(app);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

describe('security headers', () => {
  it('forbids inline script and framing, names the issuer as the only other origin', () => {
    const csp = contentSecurityPolicy('https://sso.example.de/realms/gridwerk');
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('unsafe-eval');
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("connect-src 'self' https://sso.example.de;");
  });

  it('are on every response, found or not; no HSTS over plain HTTP', async () => {
    const s = await serve(['none']);
    try {
      for (const [p, status] of [
        ['/ok', 200],
        ['/missing', 404],
      ] as const) {
        const r = await fetch(`${s.base}${p}`);
        expect(r.status).toBe(status);
        expect(r.headers.get('content-security-policy')).toContain("default-src 'self'");
        expect(r.headers.get('x-frame-options')).toBe('DENY');
        expect(r.headers.get('referrer-policy')).toBe('no-referrer');
        expect(r.headers.get('x-content-type-options')).toBe('nosniff');
        expect(r.headers.get('strict-transport-security')).toBeNull();
      }
      // an untrusted client cannot claim TLS
      const spoofed = await fetch(`${s.base}/ok`, { headers: { 'x-forwarded-proto': 'https' } });
      expect(spoofed.headers.get('strict-transport-security')).toBeNull();
    } finally {
      await s.close();
    }
  });

  it('sends HSTS when a trusted proxy forwarded a TLS request', async () => {
    const s = await serve(['loopback']);
    try {
      const tls = await fetch(`${s.base}/ok`, { headers: { 'x-forwarded-proto': 'https' } });
      expect(tls.headers.get('strict-transport-security')).toBe('max-age=600; includeSubDomains');
      const plain = await fetch(`${s.base}/ok`, { headers: { 'x-forwarded-proto': 'http' } });
      expect(plain.headers.get('strict-transport-security')).toBeNull();
    } finally {
      await s.close();
    }
  });
});
