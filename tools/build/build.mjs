// Bundles each app into dist/apps/<app>/main.js with esbuild (dependencies stay in node_modules)
// and copies the files they read at run time (GraphQL schemas, the supergraph) next to them.
//   node tools/build/build.mjs [app …] [--outdir <dir>]
// --outdir (one app only) puts the bundle elsewhere, e.g. for a test that must not replace the one
// `npm start` runs; it must be inside the repository so node_modules resolve.
import { build } from 'esbuild';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';

const root = path.resolve(import.meta.dirname, '../..');
// Every app with a main (the e2e specs have none), every subgraph schema and the supergraph: found,
// not listed, so a new service needs no edit here.
const { values, positionals } = parseArgs({
  options: { outdir: { type: 'string' } },
  allowPositionals: true,
});
const apps = positionals.length
  ? positionals
  : fs
      .readdirSync(path.join(root, 'apps'))
      .filter((app) => fs.existsSync(path.join(root, 'apps', app, 'src/main.ts')))
      .sort();
if (values.outdir && apps.length !== 1) throw new Error('--outdir takes exactly one app');
const schemas = [
  ...fs.readdirSync(path.join(root, 'libs')).flatMap((lib) => {
    const dir = path.join('libs', lib, 'src/schema');
    return fs.existsSync(path.join(root, dir))
      ? fs
          .readdirSync(path.join(root, dir))
          .filter((f) => f.endsWith('.graphql'))
          .map((f) => path.join(dir, f))
      : [];
  }),
  'apps/gateway/supergraph.graphql',
  'apps/gateway/pages.json',
  // Read by the county feed (COUNTY_FEED_ASYNCAPI_FILE; next to its main.js when the default is absent).
  'docs/asyncapi/asyncapi.json',
];

const started = Date.now();
for (const app of apps) {
  const outdir = values.outdir ? path.resolve(values.outdir) : path.join(root, 'dist/apps', app);
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
