export {
  API_AUDIENCE,
  CLI_CLIENT_ID,
  fetchAdminToken,
  fetchPasswordGrantToken,
  KEYCLOAK_REALM,
  readKeycloakCredentials,
  testOidcProvider,
} from './keycloak-test';
export type { KeycloakCredentials, TestOidcProvider } from './keycloak-test';
export { TokenForger } from './forged-tokens';
