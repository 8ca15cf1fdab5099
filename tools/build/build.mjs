// Bundles each app into dist/apps/<app>/main.js with esbuild (dependencies stay in node_modules)
// and copies the files they read at run time (GraphQL schemas, the supergraph) next to them.
import { build } from 'esbuild';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '../..');
const apps = process.argv.slice(2).length
  ? process.argv.slice(2)
  : ['embedded', 'gateway', 'roster', 'people'];
const schemas = [
  'libs/roster/src/schema/roster.graphql',
  'libs/people/src/schema/people.graphql',
  'apps/gateway/supergraph.graphql',
];

const started = Date.now();
for (const app of apps) {
  const outdir = path.join(root, 'dist/apps', app);
  await build({
    entryPoints: [path.join(root, 'apps', app, 'src/main.ts')],
    outfile: path.join(outdir, 'main.js'),
    bundle: true,
    platform: 'node',
    target: 'node24',
    format: 'cjs',
    packages: 'external',
    sourcemap: true,
    tsconfig: path.join(root, 'tsconfig.base.json'),
    logLevel: 'warning',
  });
  for (const file of schemas) fs.copyFileSync(path.join(root, file), path.join(outdir, path.basename(file)));
}
console.error(`built ${apps.join(', ')} in ${Date.now() - started} ms`);
