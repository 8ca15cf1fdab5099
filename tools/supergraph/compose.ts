/**
 * Composes the supergraph from the subgraph schemas with @apollo/composition and writes the file
 * the gateway loads (apps/gateway/supergraph.graphql, and pages.json: the public pages it forwards), plus the schema reference under docs/schema
 * and the error catalogue docs/errors.md.
 *   npm run supergraph            write the files
 *   npm run supergraph -- --check fail if a committed file is out of date (CI)
 * Fails with the composition errors when the subgraphs do not compose.
 */
import fs from 'node:fs';
import path from 'node:path';
import { composeServices } from '@apollo/composition';
import { parse, printSchema } from 'graphql';
import { gatewayPages, SERVICES } from '@sc/services';
import { renderErrorCatalogue } from './errors';
import { renderReference } from './reference';

const root = path.resolve(__dirname, '../..');

/** Every registered service's subgraph: its name, default URL and whole SDL (platform SDL included). */
export const SUBGRAPHS = SERVICES.map((s) => ({
  name: s.name,
  url: `http://localhost:${s.port}/graphql`,
  sdl: s.sdl(),
}));

const check = process.argv.includes('--check');

const result = composeServices(
  SUBGRAPHS.map((s) => ({
    name: s.name,
    url: s.url,
    typeDefs: parse(s.sdl),
  })),
);
if (result.errors) {
  process.stderr.write(
    `supergraph composition failed:\n${result.errors.map((e) => `  - ${e.message}`).join('\n')}\n`,
  );
  process.exit(1);
}
for (const hint of result.hints ?? [])
  process.stderr.write(`hint: ${hint.definition.code}: ${hint.message}\n`);

const apiSchema = result.schema.toAPISchema().toGraphQLJSSchema();
const outputs: Record<string, string> = {
  'apps/gateway/supergraph.graphql': result.supergraphSdl,
  // The public pages the gateway forwards to the service serving them (ADR 0046).
  'apps/gateway/pages.json': JSON.stringify(gatewayPages(), null, 2) + '\n',
  'docs/schema/api.graphql': printSchema(apiSchema) + '\n',
  'docs/schema/README.md': renderReference(apiSchema),
  'docs/errors.md': renderErrorCatalogue(apiSchema),
};

let stale = 0;
for (const [file, content] of Object.entries(outputs)) {
  const target = path.join(root, file);
  const current = fs.existsSync(target) ? fs.readFileSync(target, 'utf8') : null;
  if (current === content) continue;
  if (check) {
    process.stderr.write(`${file} is out of date: run npm run supergraph and commit the result\n`);
    stale++;
  } else {
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, content);
    process.stderr.write(`wrote ${file}\n`);
  }
}
if (stale > 0) process.exit(1);
if (check)
  process.stderr.write(
    `supergraph: ${SUBGRAPHS.length} subgraph(s) compose; committed files are up to date\n`,
  );
