export default {
  displayName: 'simulator-feature',
  preset: '../../../jest.preset.js',
  rootDir: '.',
};
