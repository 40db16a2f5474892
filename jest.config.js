// One `npm test` runs everything: unit specs beside the code and real-engine tests in test/ and drivers/*/test.
// ts-jest transpiles only (isolatedModules); type checking is done by `tsc -b` before jest runs.
const transform = { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.jest.json' }] };
const common = { rootDir: __dirname, transform, testEnvironment: 'node', moduleFileExtensions: ['ts', 'js', 'json'] };

module.exports = {
  // One test file at a time: integration tests share the host's Docker engine (one restarts it), its
  // network namespace and its nft tables.
  maxWorkers: 1,
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/{sdk,core,drivers/*,plugins/*,ui}/src/**/*.spec.ts', '<rootDir>/test/contract/**/*.spec.ts'] },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/**/*.test.ts', '<rootDir>/drivers/*/test/**/*.test.ts', '<rootDir>/plugins/*/test/**/*.test.ts'],
      setupFilesAfterEnv: ['<rootDir>/test/setup/timeout.js'],
      globalSetup: '<rootDir>/test/setup/global-setup.js',
    },
  ],
};
