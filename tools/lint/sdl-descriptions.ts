/**
 * Lint: every public definition of every subgraph schema has a description, because the schema
 * reference (docs/schema) and the explorers of the frontend teams show nothing else.
 *   npx tsx tools/lint/sdl-descriptions.ts              every libs/<service>/src/schema/*.graphql
 *   npx tsx tools/lint/sdl-descriptions.ts <file>...    only these files
 * Exit 0 when everything is described; 1 with one line per gap (`file:line: Type.field has no
 * description`, also for unparsable files); 2 on a usage error or when no schema file is found.
 *
 * Checked: object types, interfaces, unions, enums, input types, scalars, their fields, arguments,
 * input fields and enum values, and directive definitions a subgraph declares itself. In a type
 * extension (`extend type …`, which GraphQL does not let carry a description) the fields are checked.
 * Exempt, as federation plumbing rather than this graph's API:
 * - the `schema` / `extend schema @link(…)` block;
 * - whatever a `@link` imports (directives such as `@key`, types such as `FieldSet`), `@link` itself,
 *   `link__*` and `federation__*` definitions, `_Service`, `_Entity`, `_Any`, `Query._service` and
 *   `Query._entities`;
 * - the description of the root types themselves (`Query`, `Mutation`, `Subscription`): every subgraph
 *   defines them and composition merges them, so a description per subgraph would collide (the
 *   supergraph keeps one of them). Their fields and arguments are checked like any other.
 */
import fs from 'node:fs';
import path from 'node:path';
import {
  GraphQLError,
  Kind,
  parse,
  type ConstArgumentNode,
  type ConstDirectiveNode,
  type FieldDefinitionNode,
  type InputValueDefinitionNode,
  type NameNode,
  type StringValueNode,
} from 'graphql';

const root = path.resolve(__dirname, '../..');

/** One definition without a description. */
export interface MissingDescription {
  file: string;
  line: number;
  /** Schema coordinate: `Type`, `Type.field`, `Type.field(arg)`, `Enum.VALUE`, `@directive(arg)`. */
  coordinate: string;
}

export const formatMissing = (m: MissingDescription): string =>
  `${m.file}:${m.line}: ${m.coordinate} has no description`;

const ROOT_TYPES = new Set(['Query', 'Mutation', 'Subscription']);
const FEDERATION_TYPES = new Set(['_Service', '_Entity', '_Any']);
const FEDERATION_ROOT_FIELDS = new Set(['_service', '_entities']);
const isPlumbingName = (name: string) => name.startsWith('link__') || name.startsWith('federation__');

/** Names `@link(import: [...])` brings in: `"@key"`, `"FieldSet"`, or `{ name: "@key", as: "@k" }`. */
function linkImports(directives: readonly ConstDirectiveNode[] | undefined, into: Set<string>): void {
  for (const d of directives ?? []) {
    if (d.name.value !== 'link') continue;
    const imports = d.arguments?.find((a: ConstArgumentNode) => a.name.value === 'import')?.value;
    if (imports?.kind !== Kind.LIST) continue;
    for (const item of imports.values) {
      if (item.kind === Kind.STRING) into.add(item.value);
      if (item.kind === Kind.OBJECT) {
        const field = (n: string) => item.fields.find((f) => f.name.value === n)?.value;
        const name = field('as') ?? field('name');
        if (name?.kind === Kind.STRING) into.add(name.value);
      }
    }
  }
}

const described = (d: StringValueNode | undefined) => d !== undefined && d.value.trim() !== '';

/**
 * The definitions of one subgraph SDL that lack a description (empty or blank ones count as
 * missing), in source order. `file` is only copied into the result. Throws GraphQLError when the
 * SDL does not parse.
 */
export function missingDescriptions(sdl: string, file: string): MissingDescription[] {
  const doc = parse(sdl);
  const imported = new Set<string>(['@link']);
  const roots = new Set(ROOT_TYPES);
  for (const def of doc.definitions) {
    if (def.kind === Kind.SCHEMA_DEFINITION || def.kind === Kind.SCHEMA_EXTENSION) {
      linkImports(def.directives, imported);
      for (const op of def.operationTypes ?? []) roots.add(op.type.name.value);
    }
  }

  const missing: MissingDescription[] = [];
  const need = (description: StringValueNode | undefined, name: NameNode, coordinate: string) => {
    if (!described(description)) missing.push({ file, line: name.loc?.startToken.line ?? 0, coordinate });
  };
  const args = (owner: string, list: readonly InputValueDefinitionNode[] | undefined) => {
    for (const a of list ?? []) need(a.description, a.name, `${owner}(${a.name.value})`);
  };
  const fields = (type: string, list: readonly FieldDefinitionNode[] | undefined) => {
    for (const f of list ?? []) {
      if (roots.has(type) && FEDERATION_ROOT_FIELDS.has(f.name.value)) continue;
      need(f.description, f.name, `${type}.${f.name.value}`);
      args(`${type}.${f.name.value}`, f.arguments);
    }
  };

  for (const def of doc.definitions) {
    switch (def.kind) {
      case Kind.DIRECTIVE_DEFINITION: {
        const name = `@${def.name.value}`;
        if (imported.has(name) || isPlumbingName(def.name.value)) break;
        need(def.description, def.name, name);
        args(name, def.arguments);
        break;
      }
      case Kind.SCALAR_TYPE_DEFINITION:
      case Kind.UNION_TYPE_DEFINITION:
      case Kind.OBJECT_TYPE_DEFINITION:
      case Kind.INTERFACE_TYPE_DEFINITION:
      case Kind.ENUM_TYPE_DEFINITION:
      case Kind.INPUT_OBJECT_TYPE_DEFINITION: {
        const type = def.name.value;
        if (imported.has(type) || FEDERATION_TYPES.has(type) || isPlumbingName(type)) break;
        if (!roots.has(type)) need(def.description, def.name, type);
        if (def.kind === Kind.OBJECT_TYPE_DEFINITION || def.kind === Kind.INTERFACE_TYPE_DEFINITION)
          fields(type, def.fields);
        if (def.kind === Kind.ENUM_TYPE_DEFINITION)
          for (const v of def.values ?? []) need(v.description, v.name, `${type}.${v.name.value}`);
        if (def.kind === Kind.INPUT_OBJECT_TYPE_DEFINITION)
          for (const f of def.fields ?? []) need(f.description, f.name, `${type}.${f.name.value}`);
        break;
      }
      // Extensions cannot carry a description of their own; what they add still needs one.
      case Kind.OBJECT_TYPE_EXTENSION:
      case Kind.INTERFACE_TYPE_EXTENSION:
        fields(def.name.value, def.fields);
        break;
      case Kind.ENUM_TYPE_EXTENSION:
        for (const v of def.values ?? []) need(v.description, v.name, `${def.name.value}.${v.name.value}`);
        break;
      case Kind.INPUT_OBJECT_TYPE_EXTENSION:
        for (const f of def.fields ?? []) need(f.description, f.name, `${def.name.value}.${f.name.value}`);
        break;
      // Federation plumbing, nothing to describe, or not part of a subgraph schema.
      case Kind.SCHEMA_DEFINITION:
      case Kind.SCHEMA_EXTENSION:
      case Kind.SCALAR_TYPE_EXTENSION:
      case Kind.UNION_TYPE_EXTENSION:
      case Kind.DIRECTIVE_EXTENSION:
      case Kind.OPERATION_DEFINITION:
      case Kind.FRAGMENT_DEFINITION:
        break;
    }
  }
  return missing;
}

/** `libs/<service>/src/schema/*.graphql`, relative to the repository root, sorted. */
export function subgraphSchemaFiles(repoRoot = root): string[] {
  const libs = path.join(repoRoot, 'libs');
  const files: string[] = [];
  for (const lib of fs.readdirSync(libs, { withFileTypes: true })) {
    if (!lib.isDirectory()) continue;
    const dir = path.join(libs, lib.name, 'src', 'schema');
    if (!fs.existsSync(dir)) continue;
    for (const f of fs.readdirSync(dir))
      if (f.endsWith('.graphql')) files.push(path.relative(repoRoot, path.join(dir, f)));
  }
  return files.sort();
}

function main(argv: string[]): number {
  if (argv.some((a) => a.startsWith('-'))) {
    process.stderr.write('usage: npx tsx tools/lint/sdl-descriptions.ts [schema.graphql ...]\n');
    return 2;
  }
  // Named files are read relative to the working directory, discovered ones to the repository.
  const files = argv.length
    ? argv.map((f) => ({ shown: f, abs: path.resolve(f) }))
    : subgraphSchemaFiles().map((f) => ({ shown: f, abs: path.join(root, f) }));
  if (files.length === 0) {
    process.stderr.write('sdl-descriptions: no libs/*/src/schema/*.graphql found\n');
    return 2;
  }
  let problems = 0;
  for (const { shown, abs } of files) {
    const sdl = fs.readFileSync(abs, 'utf8');
    let missing: MissingDescription[];
    try {
      missing = missingDescriptions(sdl, shown);
    } catch (error) {
      if (!(error instanceof GraphQLError)) throw error;
      process.stdout.write(`${shown}:${error.locations?.[0]?.line ?? 0}: ${error.message}\n`);
      problems++;
      continue;
    }
    for (const m of missing) process.stdout.write(`${formatMissing(m)}\n`);
    problems += missing.length;
  }
  if (problems > 0) {
    process.stderr.write(
      `sdl-descriptions: ${problems} missing description(s) or unparsable file(s) in ${files.length} schema file(s)\n`,
    );
    return 1;
  }
  process.stderr.write(`sdl-descriptions: every definition of ${files.length} schema file(s) is described\n`);
  return 0;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
