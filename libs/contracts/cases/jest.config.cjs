module.exports = {
  displayName: 'cases-contracts',
  preset: '../../../jest.preset.js',
  rootDir: '.',
  passWithNoTests: true,
};
