import { isRole, type Role } from './auth-user';

/**
 * The control-room roles named in a token, read from `path` (a top-level claim of that exact name, or
 * a dotted path such as `realm_access.roles`). The claim may be a list or a space-separated string;
 * roles Gridwerk does not know (Keycloak's `offline_access`, ...) are dropped.
 */
export function rolesFromClaims(claims: Readonly<Record<string, unknown>>, path: string): Role[] {
  let value: unknown = Object.prototype.hasOwnProperty.call(claims, path) ? claims[path] : undefined;
  if (value === undefined) {
    value = path.split('.').reduce<unknown>((node, key) => {
      if (node === null || typeof node !== 'object' || Array.isArray(node)) return undefined;
      return Object.prototype.hasOwnProperty.call(node, key)
        ? (node as Record<string, unknown>)[key]
        : undefined;
    }, claims);
  }
  const items = typeof value === 'string' ? value.split(/\s+/) : Array.isArray(value) ? value : [];
  return [...new Set(items.filter(isRole))];
}
