// Two projects: unit specs sit next to the code; e2e specs talk to the real RabbitMQ
// (and other real services) and run one file at a time to keep the 2-core machine calm.
const common = {
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] },
  moduleFileExtensions: ['ts', 'js', 'json'],
  testEnvironment: 'node',
  setupFiles: ['<rootDir>/scripts/jest-setup.js'],
  moduleNameMapper: {
    '^@bus/canonical-model(|/.*)$': '<rootDir>/libs/canonical-model/src$1',
    '^@bus/adapters(|/.*)$': '<rootDir>/libs/adapters/src$1',
  },
};

module.exports = {
  testTimeout: 60000,
  reporters: ['default', '<rootDir>/scripts/jest-summary-reporter.js'],
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/{apps,libs}/**/src/**/*.spec.ts', '<rootDir>/apps/*/test/**/*.spec.ts'] },
    { ...common, displayName: 'e2e', testMatch: ['<rootDir>/apps/**/test/**/*.e2e-spec.ts'] },
  ],
};
