/**
 * The subgraphs GraphQL Code Generator writes resolver types for, found by convention so that a new
 * service (cases, deliberation) needs no edit here. This is the ONE place that knows the layout. It
 * reads the SDL files, not the registry (@sc/services): the registry loads the services' code, which
 * must not have to work before its own types are generated. Each SDL gets the platform SDL added
 * (`subgraphSdl`), as everywhere the subgraph schema is built.
 *
 * Convention, for a service `<name>`:
 *   libs/<name>/src/schema/<name>.graphql                         the subgraph SDL (Federation 2)
 *   libs/<name>/src/context.ts                                    exports `<Name>Context`
 *   libs/<name>/src/resolvers/mappers.ts                          `export type <GraphQLType>Mapper = …`
 *   libs/<name>/src/__generated__/resolvers-types.ts             written by `npm run codegen`
 */
import fs from 'node:fs';
import path from 'node:path';
import { Kind, parse } from 'graphql';
import { subgraphSdl } from '@sc/graphql';

export const root = path.resolve(__dirname, '../..');

export interface CodegenSubgraph {
  name: string;
  /** Path of the subgraph's SDL file, relative to the repository root. */
  schema: string;
  /** The whole subgraph SDL (the file plus the platform SDL), as served and composed. */
  sdl: string;
  context: { file: string; type: string };
  mappers: string;
  output: string;
  /** GraphQL type name → exported mapper type name (`Community` → `CommunityMapper`). */
  mapperTypes: Record<string, string>;
}

export const GENERATED_DIR = '__generated__';
export const GENERATED_FILE = 'resolvers-types.ts';

const pascal = (name: string) => name.replace(/(^|-)([a-z])/g, (_, __: string, c: string) => c.toUpperCase());
const read = (file: string) => fs.readFileSync(path.join(root, file), 'utf8');
const exists = (file: string) => fs.existsSync(path.join(root, file));

/**
 * Every SDL file under `libs/<lib>/src/schema/`, sorted so the output never depends on readdir order. One SDL
 * per service, named after it: anything else fails rather than being skipped without a word.
 */
function schemaFiles(): string[] {
  const found: string[] = [];
  for (const lib of fs.readdirSync(path.join(root, 'libs')).sort()) {
    const dir = `libs/${lib}/src/schema`;
    if (!exists(dir)) continue;
    const sdl = fs.readdirSync(path.join(root, dir)).filter((f) => f.endsWith('.graphql'));
    if (sdl.length !== 1 || sdl[0] !== `${lib}.graphql`) {
      throw new Error(
        `${dir} must hold exactly one SDL file, ${lib}.graphql (found: ${sdl.join(', ') || 'none'})`,
      );
    }
    found.push(`${dir}/${lib}.graphql`);
  }
  return found;
}

/**
 * The Federation 2 `@link` must import the directives under their own names: codegen recognises
 * entities by a directive literally called `key` (an alias such as `@primaryKey` would silently drop
 * every `__resolveReference` from the types).
 */
function checkFederationLink(file: string, sdl: string): void {
  const doc = parse(sdl);
  const links = doc.definitions.flatMap((d) =>
    d.kind === Kind.SCHEMA_EXTENSION || d.kind === Kind.SCHEMA_DEFINITION
      ? (d.directives ?? []).filter((x) => x.name.value === 'link')
      : [],
  );
  const federation = links.find((l) =>
    l.arguments?.some(
      (a) =>
        a.name.value === 'url' &&
        a.value.kind === Kind.STRING &&
        /^https:\/\/specs\.apollo\.dev\/federation\/v2\.\d+$/.test(a.value.value),
    ),
  );
  if (!federation)
    throw new Error(`${file}: no Federation 2 @link(url: "https://specs.apollo.dev/federation/v2.x")`);
  const imports = federation.arguments?.find((a) => a.name.value === 'import');
  if (imports?.value.kind === Kind.LIST && imports.value.values.some((v) => v.kind !== Kind.STRING)) {
    throw new Error(`${file}: import federation directives without renaming them ("@key", not { name, as })`);
  }
  if (federation.arguments?.some((a) => a.name.value === 'as')) {
    throw new Error(`${file}: the federation @link must not be namespaced with "as"`);
  }
}

/** `export type XMapper` / `export interface XMapper` declarations of a mappers file. */
function mapperTypes(file: string, typeNames: Set<string>): Record<string, string> {
  const result: Record<string, string> = {};
  for (const m of read(file).matchAll(/^export\s+(?:type|interface)\s+([A-Z][A-Za-z0-9]*)Mapper\b/gm)) {
    const typeName = m[1] ?? '';
    // A mapper for a type the schema no longer has is a leftover (or a typo) that would map nothing.
    if (!typeNames.has(typeName)) throw new Error(`${file}: ${typeName}Mapper names no type of the schema`);
    result[typeName] = `${typeName}Mapper`;
  }
  return result;
}

export function codegenSubgraphs(): CodegenSubgraph[] {
  return schemaFiles().map((schema) => {
    const name = schema.split('/')[1] ?? '';
    const src = `libs/${name}/src`;
    const sdl = subgraphSdl(read(schema));
    checkFederationLink(schema, sdl);
    const context = { file: `${src}/context.ts`, type: `${pascal(name)}Context` };
    if (
      !exists(context.file) ||
      !new RegExp(`export\\s+interface\\s+${context.type}\\b`).test(read(context.file))
    ) {
      throw new Error(`${context.file} must export interface ${context.type} (the resolvers' context)`);
    }
    const mappers = `${src}/resolvers/mappers.ts`;
    if (!exists(mappers))
      throw new Error(`${mappers} is missing: it declares the parent type of each entity`);
    const typeNames = new Set(
      parse(sdl).definitions.flatMap((d) => ('name' in d && d.name ? [d.name.value] : [])),
    );
    return {
      name,
      schema,
      sdl,
      context,
      mappers,
      output: `${src}/${GENERATED_DIR}/${GENERATED_FILE}`,
      mapperTypes: mapperTypes(mappers, typeNames),
    };
  });
}
