export default {
  displayName: 'grid-api',
  preset: '../../jest.preset.js',
  rootDir: '.',
};
