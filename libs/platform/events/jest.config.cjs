module.exports = {
  displayName: 'platform-events',
  preset: '../../../jest.preset.js',
  rootDir: '.',
};
