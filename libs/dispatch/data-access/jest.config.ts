export default {
  displayName: 'dispatch-data-access',
  preset: '../../../jest.preset.js',
  rootDir: '.',
};
