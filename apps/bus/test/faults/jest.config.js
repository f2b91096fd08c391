// The fault drills: real bus processes (the built dist/, as `npm start` runs it) against the second
// RabbitMQ node, one drill file at a time. Not part of `npm test`; run with `npm run test:faults`.
const path = require('node:path');
const base = require('../../../../jest.config.js');
const { transform, moduleFileExtensions, testEnvironment, setupFiles, moduleNameMapper } = base.projects[0];

module.exports = {
  rootDir: path.resolve(__dirname, '../../../..'),
  displayName: 'faults',
  testMatch: ['<rootDir>/apps/bus/test/faults/**/*.drill-spec.ts'],
  transform,
  moduleFileExtensions,
  testEnvironment,
  setupFiles,
  moduleNameMapper,
  globalSetup: '<rootDir>/apps/bus/test/faults/support/global-setup.js',
  testTimeout: 300000,
  maxWorkers: 1,
  reporters: ['default', '<rootDir>/scripts/jest-summary-reporter.js'],
};
