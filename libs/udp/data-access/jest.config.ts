export default {
  displayName: 'udp-data-access',
  preset: '../../../jest.preset.js',
  rootDir: '.',
};
