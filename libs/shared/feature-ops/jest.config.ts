export default {
  displayName: 'shared-feature-ops',
  preset: '../../../jest.preset.js',
  rootDir: '.',
};
