/**
 * Shared Jest preset. ts-jest transpiles only (isolatedModules): types are checked by the `typecheck`
 * target, so tests stay fast on a 2-core machine. Path aliases come from tsconfig.base.json.
 */
const path = require('path');
const { pathsToModuleNameMapper } = require('ts-jest');
const { compilerOptions } = require('./tsconfig.base.json');

module.exports = {
  testEnvironment: 'node',
  testMatch: ['**/?(*.)+(spec|int-spec).ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.spec.json', diagnostics: false }],
  },
  moduleFileExtensions: ['ts', 'js', 'json'],
  moduleNameMapper: pathsToModuleNameMapper(compilerOptions.paths, { prefix: `${path.resolve(__dirname)}/` }),
  setupFiles: ['reflect-metadata'],
  globalSetup: path.resolve(__dirname, 'tools/jest/global-setup.ts'),
  globalTeardown: path.resolve(__dirname, 'tools/jest/global-teardown.ts'),
  testTimeout: 60_000,
};
