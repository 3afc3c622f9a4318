export default {
  displayName: 'shared-data-access-database',
  preset: '../../../jest.preset.js',
  rootDir: '.',
};
