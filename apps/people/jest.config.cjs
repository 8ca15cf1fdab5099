module.exports = {
  displayName: 'people',
  preset: '../../jest.preset.js',
  rootDir: '.',
};
