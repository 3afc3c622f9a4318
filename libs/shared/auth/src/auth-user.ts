/** The four roles of the control room, read from the token (Keycloak: `realm_access.roles`). */
export const ROLES = ['viewer', 'operator', 'billing', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

/**
 * The caller of a request, as the verified bearer token (and the admin-managed perimeter) says.
 * `perimeter` lists the substation ids the user may see; `undefined` means the whole grid.
 */
export interface AuthUser {
  /** OIDC `sub`: stable user id, what audit entries and acknowledgements name. */
  readonly sub: string;
  /** `preferred_username` (or `sub` when the token has none): what other operators see. */
  readonly username: string;
  readonly roles: readonly Role[];
  readonly perimeter?: readonly string[];
}
