export default {
  displayName: 'udp-domain',
  preset: '../../../jest.preset.js',
  rootDir: '.',
};
