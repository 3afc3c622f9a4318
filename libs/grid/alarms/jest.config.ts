export default {
  displayName: 'grid-alarms',
  preset: '../../../jest.preset.js',
  rootDir: '.',
};
