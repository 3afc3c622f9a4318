export { isRole, ROLES } from './auth-user';
export type { AuthUser, Role } from './auth-user';
export { CurrentUser, Public, PUBLIC_KEY, Roles, ROLES_KEY } from './auth.decorators';
