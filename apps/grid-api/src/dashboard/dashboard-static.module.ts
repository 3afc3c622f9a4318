import fs from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { DynamicModule, Inject, Logger, Module, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';

/**
 * grid-api serves the dashboard's built files (vite → dist/apps/dashboard) at `/` as public static
 * assets: they hold no data, the SPA logs in with PKCE and calls /api/v1 with its bearer token.
 * `/config.json` tells the SPA where to log in (issuer, client id), so one build runs everywhere.
 * Registered after the API routes: a request that no controller handles falls through to here. A page
 * request (Accept: text/html) for a path that is no file gets index.html, so that deep links such as
 * `/nodes/ONS-0001` open in the SPA; API paths (/api/, /health, /metrics) never do: their 404s stay JSON.
 */
export interface DashboardStaticSettings {
  dashboardDir: string;
  dashboardOidcClientId: string;
  /** The issuer the browser logs in at: the same one grid-api accepts tokens from. */
  oidcIssuerUrl: string;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
};

const API_PREFIXES = ['/api/', '/health', '/metrics'];

/** A plain Node handler: answers GET/HEAD for files of the build, calls next() for anything else. */
export function createDashboardHandler(settings: DashboardStaticSettings) {
  const root = path.resolve(settings.dashboardDir);
  const config = JSON.stringify({
    oidcIssuerUrl: settings.oidcIssuerUrl,
    oidcClientId: settings.dashboardOidcClientId,
  });
  return (req: IncomingMessage, res: ServerResponse, next: () => void): void => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    const pathname = decodeSafe((req.url ?? '/').split('?')[0] ?? '/');
    if (pathname === undefined || API_PREFIXES.some((p) => pathname.startsWith(p))) return next();
    if (pathname === '/config.json') {
      res.writeHead(200, { 'content-type': TYPES['.json'], 'cache-control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : config);
      return;
    }
    const rel = pathname === '/' ? 'index.html' : pathname.replace(/^\/+/, '');
    const file = path.resolve(root, rel);
    // never outside the build directory (../, encoded or not)
    if (file !== root && !file.startsWith(root + path.sep)) return next();
    fs.stat(file, (err, st) => {
      if (err || !st.isFile()) {
        // a deep link (/nodes/ONS-0001, /alarms/…, /dispatch/feeders/…) loaded in the browser: the SPA
        // routes it. Only for pages a browser asks for; a missing asset or a script's fetch stays a 404.
        if (rel !== 'index.html' && wantsPage(req, rel)) return serveIndex(req, res, root, next);
        return next();
      }
      const immutable = rel.startsWith('assets/');
      res.writeHead(200, {
        'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream',
        'content-length': st.size,
        // hashed asset names never change; index.html must be re-read to pick up a new build
        'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
        'x-content-type-options': 'nosniff',
      });
      if (req.method === 'HEAD') return void res.end();
      fs.createReadStream(file).pipe(res);
    });
  };
}

/** A browser navigation (Accept: text/html) to a path that is not a file of the build's assets. */
function wantsPage(req: IncomingMessage, rel: string): boolean {
  const accept = req.headers.accept ?? '';
  return accept.includes('text/html') && !rel.startsWith('assets/') && !/\.[a-z0-9]{1,8}$/i.test(rel);
}

function serveIndex(req: IncomingMessage, res: ServerResponse, root: string, next: () => void): void {
  const index = path.join(root, 'index.html');
  fs.stat(index, (err, st) => {
    if (err || !st.isFile()) return next();
    res.writeHead(200, {
      'content-type': TYPES['.html'],
      'content-length': st.size,
      'cache-control': 'no-cache',
      'x-content-type-options': 'nosniff',
    });
    if (req.method === 'HEAD') return void res.end();
    fs.createReadStream(index).pipe(res);
  });
}

function decodeSafe(p: string): string | undefined {
  try {
    const d = decodeURIComponent(p);
    return d.includes('\0') ? undefined : d;
  } catch {
    return undefined;
  }
}

const SETTINGS = Symbol('DASHBOARD_STATIC_SETTINGS');

@Module({})
export class DashboardStaticModule implements OnModuleInit {
  private readonly logger = new Logger('DashboardStatic');

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    @Inject(SETTINGS) private readonly settings: DashboardStaticSettings,
  ) {}

  static forRoot(settings: DashboardStaticSettings): DynamicModule {
    return { module: DashboardStaticModule, providers: [{ provide: SETTINGS, useValue: settings }] };
  }

  onModuleInit(): void {
    const index = path.resolve(this.settings.dashboardDir, 'index.html');
    if (!fs.existsSync(index))
      this.logger.warn(
        `no dashboard build at ${index}: run "npx nx run dashboard:build" (or set DASHBOARD_DIR)`,
      );
    const adapter = this.adapterHost.httpAdapter as unknown as {
      use(h: (req: IncomingMessage, res: ServerResponse, next: () => void) => void): void;
    };
    adapter.use(createDashboardHandler(this.settings));
  }
}
