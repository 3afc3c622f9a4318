export default {
  displayName: 'grid-feature-control-room',
  preset: '../../../jest.preset.js',
  rootDir: '.',
};
