module.exports = {
  displayName: 'roster-contracts',
  preset: '../../../jest.preset.js',
  rootDir: '.',
  passWithNoTests: true,
};
