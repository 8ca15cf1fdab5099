// Specs of the workspace tools (CLI behaviour: exit codes and output). Only the tool folders are
// crawled: tools/infra/kafka/.cache holds a whole Kafka distribution.
module.exports = {
  displayName: 'tools',
  preset: '../jest.preset.js',
  rootDir: '.',
  roots: [
    '<rootDir>/token',
    '<rootDir>/fuzz',
    '<rootDir>/db',
    '<rootDir>/people-import',
    '<rootDir>/people-reencrypt',
    '<rootDir>/readmodels',
    '<rootDir>/bench',
    '<rootDir>/monitoring',
    '<rootDir>/codegen',
  ],
};
