export default {
  displayName: 'forecast-domain',
  preset: '../../../jest.preset.js',
  rootDir: '.',
};
