module.exports = {
  displayName: 'county-feed',
  preset: '../../jest.preset.js',
  rootDir: '.',
};
