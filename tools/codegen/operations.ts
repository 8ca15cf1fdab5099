/**
 * Checks the example operations of docs/frontend/operations against the API schema
 * (docs/schema/api.graphql), as a client's code generator would: every document parses and
 * validates (fields, arguments, variable types, fragments), operation and fragment names are unique
 * across the files, and no operation selects a deprecated field (examples show the current way).
 *   npx tsx tools/codegen/operations.ts      (run by the test command)
 * Exits 1 with every problem, file by file.
 */
import fs from 'node:fs';
import path from 'node:path';
import {
  buildSchema,
  type DocumentNode,
  Kind,
  NoDeprecatedCustomRule,
  parse,
  specifiedRules,
  validate,
} from 'graphql';

const root = path.resolve(__dirname, '../..');
const dir = path.join(root, 'docs/frontend/operations');

export function checkOperations(schemaSdl: string, files: Record<string, string>): string[] {
  const schema = buildSchema(schemaSdl);
  const problems: string[] = [];
  const names = new Map<string, string>();
  for (const [file, text] of Object.entries(files)) {
    let doc: DocumentNode;
    try {
      doc = parse(text);
    } catch (e) {
      problems.push(`${file}: ${(e as Error).message}`);
      continue;
    }
    for (const def of doc.definitions) {
      if (def.kind !== Kind.OPERATION_DEFINITION && def.kind !== Kind.FRAGMENT_DEFINITION) continue;
      const name = def.name?.value;
      if (!name) {
        problems.push(`${file}: an operation without a name (clients and the request log need one)`);
        continue;
      }
      const seen = names.get(name);
      if (seen) problems.push(`${file}: ${name} is defined in ${seen} too`);
      names.set(name, file);
    }
  }
  // Fragments may be used across files: validate all documents together.
  const all = Object.entries(files).flatMap(([file, text]) => {
    try {
      return [{ file, doc: parse(text) }];
    } catch {
      return [];
    }
  });
  const merged: DocumentNode = { kind: Kind.DOCUMENT, definitions: all.flatMap((d) => d.doc.definitions) };
  for (const error of validate(schema, merged, [...specifiedRules, NoDeprecatedCustomRule])) {
    const loc = error.nodes?.[0]?.loc;
    const owner = loc ? all.find((d) => d.doc.loc?.source === loc.source)?.file : undefined;
    problems.push(`${owner ?? 'operations'}: ${error.message}`);
  }
  return problems;
}

if (require.main === module) {
  const files = Object.fromEntries(
    fs
      .readdirSync(dir)
      .filter((f) => f.endsWith('.graphql'))
      .sort()
      .map((f) => [`docs/frontend/operations/${f}`, fs.readFileSync(path.join(dir, f), 'utf8')]),
  );
  const problems = checkOperations(
    fs.readFileSync(path.join(root, 'docs/schema/api.graphql'), 'utf8'),
    files,
  );
  if (problems.length > 0) {
    process.stderr.write(
      `example operations do not fit the schema:\n${problems.map((p) => `  - ${p}`).join('\n')}\n`,
    );
    process.exit(1);
  }
  process.stderr.write(
    `operations: ${Object.keys(files).length} example file(s) validate against the API schema\n`,
  );
}
