export default {
  displayName: 'settlement-domain',
  preset: '../../../jest.preset.js',
  rootDir: '.',
};
