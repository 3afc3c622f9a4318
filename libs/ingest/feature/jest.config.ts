export default {
  displayName: 'ingest-feature',
  preset: '../../../jest.preset.js',
  rootDir: '.',
};
