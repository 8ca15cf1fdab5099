// Shared jest settings for every project. TypeScript is compiled by SWC (a N-API binary, no build
// against the system Node), with legacy decorators for TypeORM entities.
/** @type {import('jest').Config} */
module.exports = {
  // Node's environment, plus a record of what each test talks to (MariaDB, Kafka, child processes):
  // `npm test` prints a line per tier from it (tools/ci/tiers).
  testEnvironment: require.resolve('./tools/ci/tiers/tier-environment.cjs'),
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      {
        jsc: {
          parser: { syntax: 'typescript', decorators: true },
          transform: { legacyDecorator: true, decoratorMetadata: true },
          target: 'es2023',
        },
        module: { type: 'commonjs' },
      },
    ],
  },
  moduleFileExtensions: ['ts', 'js', 'json'],
  testMatch: ['<rootDir>/**/*.spec.ts'],
  moduleNameMapper: require('./tools/build/jest-paths.cjs'),
  setupFiles: ['reflect-metadata'],
  // Integration specs start real servers and talk to MariaDB and Kafka.
  testTimeout: 60_000,
};
