import { ExecutionContext, HttpException, Injectable } from '@nestjs/common';
import { ThrottlerGuard, type ThrottlerLimitDetail } from '@nestjs/throttler';
import type { AuthUser } from './auth-user';
import { PUBLIC_KEY } from './auth.decorators';

export const RATE_LIMITED_CODE = 'REQUEST.RATE_LIMITED';

/**
 * `@nestjs/throttler` after authentication: the budget is per user (`sub`), over all routes, so that
 * operators behind one NAT address do not share one. Public routes (health probes, static assets) are
 * not counted: a throttled readiness probe would take a healthy pod out of service. Kafka handlers of a
 * hybrid app are not HTTP and pass.
 */
@Injectable()
export class RateLimitGuard extends ThrottlerGuard {
  override async canActivate(ctx: ExecutionContext): Promise<boolean> {
    if (ctx.getType() !== 'http') return true;
    if (
      this.reflector.getAllAndOverride<boolean | undefined>(PUBLIC_KEY, [ctx.getHandler(), ctx.getClass()])
    ) {
      return true;
    }
    return super.canActivate(ctx);
  }

  protected override getTracker(req: Record<string, unknown>): Promise<string> {
    const user = req['user'] as AuthUser | undefined;
    return Promise.resolve(user ? `user:${user.sub}` : `ip:${String(req['ip'])}`);
  }

  /** One budget per caller for the whole API (the default would keep one per route). */
  protected override generateKey(_ctx: ExecutionContext, tracker: string, name: string): string {
    return `${name}:${tracker}`;
  }

  protected override throwThrottlingException(
    _ctx: ExecutionContext,
    d: ThrottlerLimitDetail,
  ): Promise<void> {
    const windowS = Math.round(d.ttl / 1000);
    throw new HttpException(
      {
        statusCode: 429,
        error: 'Too Many Requests',
        code: RATE_LIMITED_CODE,
        message: `at most ${d.limit} requests per ${windowS} s per user; retry in ${d.timeToBlockExpire} s`,
        limit: d.limit,
        windowS,
        retryAfterS: d.timeToBlockExpire,
      },
      429,
    );
  }
}
