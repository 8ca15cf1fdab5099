module.exports = {
  displayName: 'deliberation-contracts',
  preset: '../../../jest.preset.js',
  rootDir: '.',
  passWithNoTests: true,
};
