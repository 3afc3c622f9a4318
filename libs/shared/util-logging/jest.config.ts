export default {
  displayName: 'shared-util-logging',
  preset: '../../../jest.preset.js',
  rootDir: '.',
};
