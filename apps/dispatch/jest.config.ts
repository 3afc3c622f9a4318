export default {
  displayName: 'dispatch',
  preset: '../../jest.preset.js',
  rootDir: '.',
};
