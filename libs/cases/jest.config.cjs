module.exports = {
  displayName: 'cases-domain',
  preset: '../../jest.preset.js',
  rootDir: '.',
};
