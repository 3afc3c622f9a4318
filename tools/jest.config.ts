export default {
  displayName: 'infra-tools',
  preset: '../jest.preset.js',
  rootDir: '.',
};
