import {
  CanActivate,
  ExecutionContext,
  HttpException,
  Inject,
  Injectable,
  Logger,
  Optional,
} from '@nestjs/common';
import { ModuleRef, Reflector } from '@nestjs/core';
import type { AuthUser, Role } from './auth-user';
import { AUTH_ERROR_CODES, AuthError } from './auth-errors';
import { PUBLIC_KEY, ROLES_KEY } from './auth.decorators';
import { PERIMETER_RESOLVER, type PerimeterResolver } from './perimeter';
import { TokenVerifier } from './token-verifier';

interface HttpRequest {
  headers: Record<string, string | string[] | undefined>;
  method?: string;
  url?: string;
  ip?: string;
  user?: AuthUser;
}
interface HttpResponse {
  setHeader(name: string, value: string): unknown;
}

/** A route without `@Roles` (or with an empty list) is for admins only: forgetting it never opens a route. */
export const DEFAULT_ROLES: readonly Role[] = ['admin'];

export function requiredRoles(declared: readonly Role[] | undefined): readonly Role[] {
  return declared && declared.length > 0 ? declared : DEFAULT_ROLES;
}

export function bearerToken(header: string | string[] | undefined): string {
  if (header === undefined || header === '') {
    throw new AuthError(
      AUTH_ERROR_CODES.TOKEN_MISSING,
      'an Authorization: Bearer <access token> header is required',
      401,
    );
  }
  const value = Array.isArray(header) ? header[0] : header;
  const m = /^Bearer\s+([A-Za-z0-9._~+/=-]+)\s*$/i.exec(value ?? '');
  if (!m?.[1]) {
    throw new AuthError(
      AUTH_ERROR_CODES.TOKEN_INVALID,
      'the Authorization header must be "Bearer <access token>"',
      401,
    );
  }
  return m[1];
}

const REASON: Record<number, string> = { 401: 'Unauthorized', 403: 'Forbidden', 503: 'Service Unavailable' };

/** The JSON body of a refused request: `{ statusCode, error, code, message }`. */
export function authErrorBody(e: AuthError): {
  statusCode: number;
  error: string;
  code: string;
  message: string;
} {
  return { statusCode: e.status, error: REASON[e.status] ?? 'Error', code: e.code, message: e.message };
}

/**
 * The global guard `AuthModule` installs: every HTTP route needs a verified bearer token and one of the
 * roles its `@Roles` names (`admin` when it names none), except `@Public()` routes. Sets `request.user`
 * (with the perimeter, when the app provides a `PERIMETER_RESOLVER`). Kafka handlers of a hybrid app
 * are not HTTP and pass.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  private readonly logger = new Logger('auth');
  private perimeterResolver: PerimeterResolver | undefined | null = null;

  constructor(
    private readonly reflector: Reflector,
    private readonly verifier: TokenVerifier,
    @Optional() @Inject(ModuleRef) private readonly moduleRef?: ModuleRef,
  ) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    if (ctx.getType() !== 'http') return true;
    const targets = [ctx.getHandler(), ctx.getClass()];
    if (this.reflector.getAllAndOverride<boolean | undefined>(PUBLIC_KEY, targets) === true) return true;
    const http = ctx.switchToHttp();
    const req = http.getRequest<HttpRequest>();
    try {
      const identity = await this.verifier.verify(bearerToken(req.headers['authorization']));
      const allowed = requiredRoles(this.reflector.getAllAndOverride<Role[] | undefined>(ROLES_KEY, targets));
      if (!identity.roles.some((r) => allowed.includes(r))) {
        throw new AuthError(
          AUTH_ERROR_CODES.FORBIDDEN,
          `this route needs one of the roles ${allowed.join(', ')}; the token has ${identity.roles.length > 0 ? identity.roles.join(', ') : 'none'}`,
          403,
        );
      }
      const user = { sub: identity.sub, username: identity.username, roles: identity.roles };
      const perimeter = await this.perimeter()?.perimeterOf(user);
      req.user = perimeter === undefined ? user : { ...user, perimeter };
      return true;
    } catch (err) {
      if (!(err instanceof AuthError)) throw err;
      this.refuse(req, http.getResponse<HttpResponse>(), err);
    }
  }

  private refuse(req: HttpRequest, res: HttpResponse, e: AuthError): never {
    // RFC 6750: tell the client why, without echoing anything of the token.
    if (e.status === 401) {
      const error = e.code === AUTH_ERROR_CODES.TOKEN_MISSING ? '' : ', error="invalid_token"';
      res.setHeader('WWW-Authenticate', `Bearer realm="gridwerk"${error}`);
    } else if (e.status === 403) {
      res.setHeader('WWW-Authenticate', 'Bearer realm="gridwerk", error="insufficient_scope"');
    } else {
      res.setHeader('Retry-After', '5');
    }
    const path = (req.url ?? '').split('?')[0];
    const detail = { code: e.code, method: req.method, path, ip: req.ip };
    if (e.status === 503) this.logger.error(`request refused: ${e.message}`, detail);
    else if (e.status === 403) this.logger.warn(`request refused: ${e.code}`, detail);
    else this.logger.log(`request refused: ${e.code}`, detail);
    throw new HttpException(authErrorBody(e), e.status);
  }

  /** Looked up once, lazily: the resolver may live in any module of the app (or nowhere). */
  private perimeter(): PerimeterResolver | undefined {
    if (this.perimeterResolver === null) {
      try {
        this.perimeterResolver = this.moduleRef?.get<PerimeterResolver>(PERIMETER_RESOLVER, {
          strict: false,
        });
      } catch {
        this.perimeterResolver = undefined;
      }
    }
    return this.perimeterResolver ?? undefined;
  }
}
