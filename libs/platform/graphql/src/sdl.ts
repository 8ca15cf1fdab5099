import fs from 'node:fs';
import path from 'node:path';

/**
 * The SDL every subgraph shares: the scalars and Relay page info of the platform. A subgraph's own
 * file declares its `extend schema @link(…)` (importing at least `@shareable`) and its types; the
 * service kit, the supergraph composition and code generation all read {@link subgraphSdl}, never a
 * subgraph file alone.
 */
export const PLATFORM_SDL = `
"An ISO-8601 date-time, e.g. 2026-11-25T08:30:00.000Z"
scalar DateTime

"Relay page information."
type PageInfo @shareable {
  "Whether another page follows this one."
  hasNextPage: Boolean!
  "Pass as \`after\` to get the next page."
  endCursor: String
}
`;

/** A subgraph's whole SDL: its own file plus {@link PLATFORM_SDL}. */
export function subgraphSdl(serviceSdl: string): string {
  return `${serviceSdl.trimEnd()}\n${PLATFORM_SDL}`;
}

/**
 * Reads a subgraph's schema file: `schema/<file>` beside the calling module in the sources, or
 * `<file>` beside the bundle in a build (the build copies every schema there).
 */
export function readSchemaFile(dirname: string, file: string): string {
  const candidates = [path.join(dirname, 'schema', file), path.join(dirname, file)];
  const found = candidates.find((f) => fs.existsSync(f));
  if (!found) throw new Error(`${file} not found next to ${dirname}`);
  return fs.readFileSync(found, 'utf8');
}
