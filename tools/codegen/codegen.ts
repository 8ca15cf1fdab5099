/**
 * Writes the typed resolver maps of every subgraph with GraphQL Code Generator (./config.ts), formatted
 * with the repository's Prettier settings so the committed files pass `prettier --check`.
 *   npm run codegen            write libs/<service>/src/__generated__/resolvers-types.ts
 *   npm run codegen -- --check fail if a generated file is missing, out of date or left over (CI)
 */
import fs from 'node:fs';
import path from 'node:path';
import { generate } from '@graphql-codegen/cli';
import * as prettier from 'prettier';
import { codegenConfig } from './config';
import { GENERATED_DIR, GENERATED_FILE, root } from './subgraphs';

const check = process.argv.includes('--check');

async function format(file: string, content: string): Promise<string> {
  const options = await prettier.resolveConfig(path.join(root, file));
  return prettier.format(content, { ...options, filepath: file });
}

/** Generated files on disk, also those of a subgraph that is gone. */
function existingOutputs(): string[] {
  return fs
    .readdirSync(path.join(root, 'libs'))
    .map((lib) => `libs/${lib}/src/${GENERATED_DIR}/${GENERATED_FILE}`)
    .filter((file) => fs.existsSync(path.join(root, file)));
}

async function main(): Promise<number> {
  const generated = await generate({ ...codegenConfig(), cwd: root }, false);
  const outputs = new Map<string, string>();
  for (const file of generated) {
    const rel = path.relative(root, path.resolve(root, file.filename)).split(path.sep).join('/');
    outputs.set(rel, await format(rel, file.content));
  }

  let stale = 0;
  for (const [file, content] of outputs) {
    const target = path.join(root, file);
    const current = fs.existsSync(target) ? fs.readFileSync(target, 'utf8') : null;
    if (current === content) continue;
    if (check) {
      process.stderr.write(
        `${file} is ${current === null ? 'missing' : 'out of date'}: run npm run codegen\n`,
      );
      stale++;
    } else {
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.writeFileSync(target, content);
      process.stderr.write(`wrote ${file}\n`);
    }
  }
  for (const file of existingOutputs().filter((f) => !outputs.has(f))) {
    if (check) {
      process.stderr.write(`${file} belongs to no subgraph schema: run npm run codegen\n`);
      stale++;
    } else {
      fs.rmSync(path.join(root, file));
      process.stderr.write(`removed ${file}\n`);
    }
  }
  if (check && stale === 0) {
    process.stderr.write(`codegen: ${outputs.size} subgraph(s); generated resolver types are up to date\n`);
  }
  return stale > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`codegen failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
