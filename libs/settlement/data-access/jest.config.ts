export default {
  displayName: 'settlement-data-access',
  preset: '../../../jest.preset.js',
  rootDir: '.',
};
