export default {
  displayName: 'dispatch-feature',
  preset: '../../../jest.preset.js',
  rootDir: '.',
};
