export default {
  displayName: 'shared-auth',
  preset: '../../../jest.preset.js',
  rootDir: '.',
  // the int-spec verifies real Keycloak tokens: jest global-setup starts Keycloak for this project
  globals: { gridwerkInfra: ['keycloak'] },
};
