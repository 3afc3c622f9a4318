export default {
  displayName: 'shared-util-async',
  preset: '../../../jest.preset.js',
  rootDir: '.',
};
