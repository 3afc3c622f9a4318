export default {
  displayName: 'settlement-feature',
  preset: '../../../jest.preset.js',
  rootDir: '.',
};
