export default {
  displayName: 'forecast-data-access',
  preset: '../../../jest.preset.js',
  rootDir: '.',
};
