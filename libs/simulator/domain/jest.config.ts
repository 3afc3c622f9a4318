export default {
  displayName: 'simulator-domain',
  preset: '../../../jest.preset.js',
  rootDir: '.',
};
