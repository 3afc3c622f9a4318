export default {
  displayName: 'forecast',
  preset: '../../jest.preset.js',
  rootDir: '.',
};
