export default {
  displayName: 'shared-data-access-topology',
  preset: '../../../jest.preset.js',
  rootDir: '.',
};
