export default {
  displayName: 'shared-util-load-profiles',
  preset: '../../../jest.preset.js',
  rootDir: '.',
};
