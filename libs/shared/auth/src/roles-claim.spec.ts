import { rolesFromClaims } from './roles-claim';

describe('rolesFromClaims', () => {
  it("reads Keycloak's realm_access.roles and drops roles Gridwerk does not know", () => {
    const claims = { realm_access: { roles: ['operator', 'offline_access', 'uma_authorization', 'viewer'] } };
    expect(rolesFromClaims(claims, 'realm_access.roles')).toEqual(['operator', 'viewer']);
  });

  it('reads a top-level claim whose name contains dots (namespaced claims)', () => {
    const claims = { 'https://gridwerk.example/roles': ['admin'], https: { x: 1 } };
    expect(rolesFromClaims(claims, 'https://gridwerk.example/roles')).toEqual(['admin']);
  });

  it('accepts a space-separated string and removes duplicates', () => {
    expect(rolesFromClaims({ groups: 'billing viewer billing' }, 'groups')).toEqual(['billing', 'viewer']);
  });

  it('yields no roles for a missing path, a non-list value or a path through a non-object', () => {
    expect(rolesFromClaims({}, 'realm_access.roles')).toEqual([]);
    expect(rolesFromClaims({ realm_access: { roles: 42 } }, 'realm_access.roles')).toEqual([]);
    expect(rolesFromClaims({ realm_access: ['admin'] }, 'realm_access.roles')).toEqual([]);
    expect(rolesFromClaims({ roles: [{ name: 'admin' }, 'Admin'] }, 'roles')).toEqual([]);
  });

  it('never reads inherited properties', () => {
    expect(rolesFromClaims({}, 'constructor.name')).toEqual([]);
  });
});
