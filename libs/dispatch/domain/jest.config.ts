export default {
  displayName: 'dispatch-domain',
  preset: '../../../jest.preset.js',
  rootDir: '.',
};
