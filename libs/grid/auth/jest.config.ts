export default {
  displayName: 'grid-auth',
  preset: '../../../jest.preset.js',
  rootDir: '.',
};
