import { DynamicModule, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ThrottlerModule } from '@nestjs/throttler';
import type { JWTVerifyGetKey } from 'jose';
import { AuthGuard } from './auth.guard';
import { type OidcConfig, type OidcSettings, oidcSettingsFrom, type RateLimitConfig } from './oidc.config';
import { RateLimitGuard } from './rate-limit.guard';
import { TokenVerifier } from './token-verifier';

export const OIDC_SETTINGS = Symbol('gridwerk:oidc-settings');

export interface AuthModuleOptions {
  /** Keys to verify with instead of the issuer's remote JWKS (unit tests with a local key set). */
  readonly keys?: JWTVerifyGetKey;
}

/**
 * Bearer-token authentication, role checks and per-user rate limiting for a whole app: import once in
 * the root module.
 *   imports: [AuthModule.forRoot(config)]   // config spreads oidcConfigSpec and rateLimitConfigSpec
 * The guards run in this order: authentication + roles, then the rate limit (which counts per user).
 */
@Module({})
export class AuthModule {
  static forRoot(config: OidcConfig & RateLimitConfig, options: AuthModuleOptions = {}): DynamicModule {
    const settings: OidcSettings = oidcSettingsFrom(config);
    return {
      module: AuthModule,
      global: true,
      imports: [
        ThrottlerModule.forRoot({
          throttlers: [{ name: 'default', ttl: 60_000, limit: config.rateLimitPerMinute }],
        }),
      ],
      providers: [
        { provide: OIDC_SETTINGS, useValue: settings },
        { provide: TokenVerifier, useFactory: () => new TokenVerifier(settings, options.keys) },
        // one module, one providers array: the order of the two global guards is fixed
        { provide: APP_GUARD, useClass: AuthGuard },
        { provide: APP_GUARD, useClass: RateLimitGuard },
      ],
      exports: [OIDC_SETTINGS, TokenVerifier],
    };
  }
}
