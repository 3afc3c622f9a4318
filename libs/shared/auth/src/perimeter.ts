import type { AuthUser } from './auth-user';

/**
 * Injection token of the perimeter hook. An app that stores perimeters (grid-api: substation ids per
 * user, set by an admin) provides a `PerimeterResolver` under this token in any of its modules; the
 * guard finds it and puts the result on `AuthUser.perimeter` of every authenticated request.
 *   providers: [{ provide: PERIMETER_RESOLVER, useExisting: PerimeterService }]
 */
export const PERIMETER_RESOLVER = Symbol('gridwerk:perimeter-resolver');

export interface PerimeterResolver {
  /** Substation ids the user may see; `undefined` means the whole grid. */
  perimeterOf(user: Omit<AuthUser, 'perimeter'>): Promise<readonly string[] | undefined>;
}
