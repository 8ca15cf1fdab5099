module.exports = {
  displayName: 'deliberation',
  preset: '../../jest.preset.js',
  rootDir: '.',
};
