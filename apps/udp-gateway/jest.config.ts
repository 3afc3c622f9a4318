export default {
  displayName: 'udp-gateway',
  preset: '../../jest.preset.js',
  rootDir: '.',
};
