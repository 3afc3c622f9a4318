export default {
  displayName: 'shared-data-access-kafka',
  preset: '../../../jest.preset.js',
  rootDir: '.',
};
