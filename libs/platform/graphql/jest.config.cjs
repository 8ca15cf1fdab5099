module.exports = {
  displayName: 'platform-graphql',
  preset: '../../../jest.preset.js',
  rootDir: '.',
};
