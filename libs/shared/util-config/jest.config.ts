export default {
  displayName: 'shared-util-config',
  preset: '../../../jest.preset.js',
  rootDir: '.',
};
