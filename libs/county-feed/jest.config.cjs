module.exports = {
  displayName: 'county-feed-domain',
  preset: '../../jest.preset.js',
  rootDir: '.',
};
