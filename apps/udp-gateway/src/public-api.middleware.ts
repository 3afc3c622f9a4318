import type { NextFunction, Request, Response } from 'express';
import { StaError } from '@gridwerk/udp/domain';

/** A token bucket per client address: `burst` at once, refilled at `perMinute`. */
export class ClientRateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly perMinute: number,
    private readonly burst: number,
  ) {}

  /** Takes one token; returns the seconds to wait when there is none. */
  take(client: string, now = Date.now()): number {
    const b = this.buckets.get(client) ?? { tokens: this.burst, at: now };
    const tokens = Math.min(this.burst, b.tokens + ((now - b.at) * this.perMinute) / 60_000);
    if (tokens < 1) {
      this.buckets.set(client, { tokens, at: now });
      return Math.ceil(((1 - tokens) * 60) / this.perMinute);
    }
    this.buckets.set(client, { tokens: tokens - 1, at: now });
    if (this.buckets.size > 100_000) this.prune(now);
    return 0;
  }

  private prune(now: number): void {
    for (const [k, b] of this.buckets) if (now - b.at > 60_000) this.buckets.delete(k);
  }
}

function sendError(res: Response, err: StaError): void {
  res.status(err.status).json(err.body());
}

/**
 * What a public, read-only API needs before any route: CORS for browsers on other origins, only GET/HEAD
 * (OPTIONS answers preflights), and a rate limit per client address (/health and /metrics exempt, for the
 * probes and the scraper).
 */
export function publicApiMiddleware(limiter: ClientRateLimiter) {
  return (req: Request, res: Response, next: NextFunction): void => {
    res.setHeader('Access-Control-Allow-Origin', '*');
    res.setHeader('Access-Control-Allow-Methods', 'GET, HEAD, OPTIONS');
    res.setHeader('Access-Control-Allow-Headers', 'Accept, Content-Type');
    res.setHeader('Access-Control-Expose-Headers', 'Retry-After');
    res.setHeader('Access-Control-Max-Age', '86400');
    if (req.method === 'OPTIONS') {
      res.status(204).end();
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD, OPTIONS');
      sendError(
        res,
        new StaError('UDP.METHOD_NOT_ALLOWED', `${req.method} is not allowed: this API is read-only`),
      );
      return;
    }
    if (req.path.startsWith('/health') || req.path === '/metrics') {
      next();
      return;
    }
    const wait = limiter.take(req.ip ?? 'unknown');
    if (wait > 0) {
      res.setHeader('Retry-After', String(wait));
      sendError(res, new StaError('UDP.RATE_LIMITED', `rate limit exceeded: retry after ${wait} s`));
      return;
    }
    next();
  };
}
