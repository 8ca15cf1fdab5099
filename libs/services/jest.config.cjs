module.exports = {
  displayName: 'services',
  preset: '../../jest.preset.js',
  rootDir: '.',
};
