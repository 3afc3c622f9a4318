export default {
  displayName: 'shared-auth',
  preset: '../../../jest.preset.js',
  rootDir: '.',
};
