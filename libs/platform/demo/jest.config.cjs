module.exports = {
  displayName: 'platform-demo',
  preset: '../../../jest.preset.js',
  rootDir: '.',
};
