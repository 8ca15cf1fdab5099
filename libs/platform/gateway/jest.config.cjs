module.exports = {
  displayName: 'platform-gateway',
  preset: '../../../jest.preset.js',
  rootDir: '.',
};
