import fs from 'node:fs';
import path from 'node:path';
import { parse, type DocumentNode } from 'graphql';

/**
 * The schema-first SDL. Read from `schema/people.graphql` beside this file in the sources, or
 * beside the bundle in a build (the build copies it there).
 */
export function peopleSdl(): string {
  const candidates = [
    path.join(__dirname, 'schema', 'people.graphql'),
    path.join(__dirname, 'people.graphql'),
  ];
  const file = candidates.find((f) => fs.existsSync(f));
  if (!file) throw new Error(`people.graphql not found next to ${__dirname}`);
  return fs.readFileSync(file, 'utf8');
}

export function peopleTypeDefs(): DocumentNode {
  return parse(peopleSdl());
}
