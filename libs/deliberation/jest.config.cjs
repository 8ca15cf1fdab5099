module.exports = {
  displayName: 'deliberation-domain',
  preset: '../../jest.preset.js',
  rootDir: '.',
};
