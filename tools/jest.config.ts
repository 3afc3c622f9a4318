export default {
  displayName: 'infra-tools',
  preset: '../jest.preset.js',
  rootDir: '.',
  // the grid-api auth matrix needs the real Keycloak: jest global-setup starts it for this project
  globals: { gridwerkInfra: ['keycloak'] },
};
