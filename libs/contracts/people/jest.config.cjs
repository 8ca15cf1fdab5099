module.exports = {
  displayName: 'people-contracts',
  preset: '../../../jest.preset.js',
  rootDir: '.',
  passWithNoTests: true,
};
