export default {
  displayName: 'ingest-data-access',
  preset: '../../../jest.preset.js',
  rootDir: '.',
};
