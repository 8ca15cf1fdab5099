// Preloaded by the image (NODE_OPTIONS=--require …, ADR 0050): stack traces map through the app's own
// bundle map (dist/apps/<app>/main.js.map), but not through the maps node_modules ship — with
// --enable-source-maps Node parses and keeps every one of those (~50 MB per process).
require('node:module').setSourceMapsSupport(true, { nodeModules: false, generatedCode: false });
