export default {
  displayName: 'grid-read-model',
  preset: '../../../jest.preset.js',
  rootDir: '.',
};
