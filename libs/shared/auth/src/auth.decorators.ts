import { applyDecorators, createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import { ApiExtension } from '@nestjs/swagger';
import type { AuthUser, Role } from './auth-user';

export const ROLES_KEY = 'gridwerk:roles';
export const PUBLIC_KEY = 'gridwerk:public';

/**
 * The roles that may call a route (any one of them suffices). A route without `@Roles` is refused to
 * everybody but `admin`: forgetting the decorator must never open a route. There is no hierarchy:
 * `admin` may call a route only if it is listed (or the route has no `@Roles`). The roles also appear in
 * the OpenAPI document as `x-gridwerk-roles`.
 */
export const Roles = (...roles: Role[]) =>
  applyDecorators(SetMetadata(ROLES_KEY, roles), ApiExtension('x-gridwerk-roles', roles));

/** A route without authentication. Only health endpoints and the dashboard's static assets use it. */
export const Public = () => SetMetadata(PUBLIC_KEY, true);

/** The verified caller, set on the request by the authentication guard. */
export const CurrentUser = createParamDecorator((_data: unknown, ctx: ExecutionContext): AuthUser => {
  const req = ctx.switchToHttp().getRequest<{ user?: AuthUser }>();
  if (!req.user) throw new Error('CurrentUser used on a route that the authentication guard did not run on');
  return req.user;
});
