export default {
  displayName: 'shared-util-calendar',
  preset: '../../../jest.preset.js',
  rootDir: '.',
};
