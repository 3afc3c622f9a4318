export default {
  displayName: 'settlement-ledger-evm',
  preset: '../../../jest.preset.js',
  rootDir: '.',
};
