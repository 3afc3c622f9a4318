import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createDashboardHandler } from './dashboard-static.module';

/** The static handler on a real HTTP server over a real directory. */
describe('dashboard static files', () => {
  let dir: string;
  let server: http.Server;
  let base: string;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dashboard-static-test-'));
    fs.mkdirSync(path.join(dir, 'assets'));
    fs.writeFileSync(path.join(dir, 'index.html'), '<!doctype html><div id="root"></div>');
    fs.writeFileSync(path.join(dir, 'assets', 'index-abc.js'), 'console.log(1)');
    fs.writeFileSync(path.join(os.tmpdir(), 'secret-outside.txt'), 'nope');
    const handler = createDashboardHandler({
      dashboardDir: dir,
      dashboardOidcClientId: 'gridwerk-dashboard',
      oidcIssuerUrl: 'http://127.0.0.1:8080/realms/gridwerk',
    });
    server = http.createServer((req, res) =>
      handler(req, res, () => {
        res.writeHead(404).end('next');
      }),
    );
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((r) => server.close(r));
    fs.rmSync(dir, { recursive: true, force: true });
    fs.rmSync(path.join(os.tmpdir(), 'secret-outside.txt'), { force: true });
  });

  it('serves index.html at / without caching, hashed assets immutable', async () => {
    const index = await fetch(`${base}/`);
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(index.headers.get('cache-control')).toBe('no-cache');
    expect(await index.text()).toContain('root');
    const js = await fetch(`${base}/assets/index-abc.js`);
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(js.headers.get('cache-control')).toContain('immutable');
  });

  it('tells the browser where to sign in', async () => {
    const r = await fetch(`${base}/config.json?x=1`);
    expect(r.headers.get('cache-control')).toBe('no-store');
    expect(await r.json()).toEqual({
      oidcIssuerUrl: 'http://127.0.0.1:8080/realms/gridwerk',
      oidcClientId: 'gridwerk-dashboard',
    });
  });

  it('answers a browser deep link with the SPA, leaves API paths, assets and non-page requests alone', async () => {
    const page = { headers: { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' } };
    for (const p of ['/nodes/ONS-0001', '/alarms/UW-01-F01', '/dispatch/feeders/UW-01-F02']) {
      const r = await fetch(`${base}${p}`, page);
      expect(r.status).toBe(200);
      expect(r.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(r.headers.get('cache-control')).toBe('no-cache');
      expect(await r.text()).toContain('root');
    }
    for (const p of ['/api/v1/nodes/ONS-0001', '/health/ready', '/assets/gone-123.js', '/missing.js'])
      expect(await (await fetch(`${base}${p}`, page)).text()).toBe('next');
    // a script's fetch of an unknown path is no page load
    expect(
      await (await fetch(`${base}/nodes/ONS-0001`, { headers: { accept: 'application/json' } })).text(),
    ).toBe('next');
  });

  // the file one level above the build exists: a traversal would find it
  it('leaves the API, unknown files, other methods and paths outside the build to the next handler', async () => {
    for (const p of [
      '/api/v1/topology',
      '/health',
      '/metrics',
      '/missing.js',
      '/assets/../../secret-outside.txt',
      '/%2e%2e/secret-outside.txt',
      '/%E0%A4%A',
    ])
      expect(await (await fetch(`${base}${p}`)).text()).toBe('next');
    expect((await fetch(`${base}/`, { method: 'POST' })).status).toBe(404);
    const raw = await new Promise<number>((resolve) => {
      http.get({ host: '127.0.0.1', port: new URL(base).port, path: '/../secret-outside.txt' }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
    });
    expect(raw).toBe(404);
  });
});
