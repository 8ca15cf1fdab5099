module.exports = {
  displayName: 'platform-service',
  preset: '../../../jest.preset.js',
  rootDir: '.',
};
