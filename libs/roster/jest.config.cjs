module.exports = {
  displayName: 'roster-domain',
  preset: '../../jest.preset.js',
  rootDir: '.',
};
