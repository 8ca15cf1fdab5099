module.exports = {
  displayName: 'roster',
  preset: '../../jest.preset.js',
  rootDir: '.',
};
