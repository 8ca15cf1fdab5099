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

"""
A calendar date, ISO 8601 \`YYYY-MM-DD\` (e.g. 2026-11-25): a day, without a time or a time zone (a day in
China where it matters). Anything else, a day that does not exist (2026-02-30) included, is BAD_USER_INPUT.
"""
scalar Date

"""
The error catalogue: every \`extensions.code\` an answer of this graph can carry (docs/errors.md lists
which operation returns which). Errors a subgraph raised also carry \`extensions.serviceName\`.
"""
enum ErrorCode {
  "No usable token for this field (none sent, or the account or session is gone). A refused token has \`reason\`: EXPIRED (refresh, then retry) or INVALID (sign in again); HTTP 401 with \`reason\` MALFORMED only when the Authorization header cannot be read."
  UNAUTHENTICATED
  "The caller is known but its role or scope does not allow this. No extra keys, except for a request of the cookie session without a valid \`X-CSRF-Token\` header: HTTP 403, \`reason\` CSRF_TOKEN_MISSING or CSRF_TOKEN_INVALID, nothing ran (docs/frontend/README.md)."
  FORBIDDEN
  "An argument or input field is wrong: \`field\` (its path, e.g. \`input.name\`, \`first\`, \`after\`) and \`issues\` (every problem: \`field\`, \`message\`). Nothing was written."
  BAD_USER_INPUT
  "A referenced record does not exist or may not be seen (the answer never tells which). \`field\` when an input named it."
  NOT_FOUND
  "The record's state does not allow this: \`currentState\` (e.g. RETIRED, RESOLVED) when a state refuses it, \`field\` when a unique value is taken."
  CONFLICT
  "Too many attempts: \`retryAfterSeconds\`."
  RATE_LIMITED
  "The document is not valid against this schema, too deep, or too expensive (\`cost\` and \`limit\`). HTTP 400; nothing executed."
  GRAPHQL_VALIDATION_FAILED
  "The document is not GraphQL. HTTP 400."
  GRAPHQL_PARSE_FAILED
  "No operation could be picked (several in the document and no \`operationName\`, or an unknown one). HTTP 400."
  OPERATION_RESOLUTION_FAILURE
  "The HTTP request is not a GraphQL request (body not JSON, too large, wrong method or content type). HTTP 400 or 413."
  BAD_REQUEST
  "Automatic persisted queries: the hash sent is not known yet; send the query with it again."
  PERSISTED_QUERY_NOT_FOUND
  "Automatic persisted queries are switched off here; send the query itself."
  PERSISTED_QUERY_NOT_SUPPORTED
  "A fault on our side; the message says nothing more (the server log has it). Retrying a query may help."
  INTERNAL_SERVER_ERROR
}

"Which way an \`orderBy\` sorts. Ties are broken by the row id in the same direction, so paging is exact both ways."
enum OrderDirection {
  "Smallest first (A–Z, oldest first); rows without the value first."
  ASC
  "Largest first (Z–A, newest first); rows without the value last."
  DESC
}

"""
Relay page information. Every connection pages both ways: \`first\`/\`after\` forward, \`last\`/\`before\`
backward (the page is still in the list's order); at most 100 rows a page (default 20), and a
cursor this server did not issue is BAD_USER_INPUT (field \`after\` or \`before\`), never an empty page.
"""
type PageInfo @shareable {
  "Whether another page follows this one (paging backward: true when \`before\` was given)."
  hasNextPage: Boolean!
  "Whether a page precedes this one (paging forward: true when \`after\` was given)."
  hasPreviousPage: Boolean!
  "Cursor of the first row of this page: pass as \`before\` (with \`last\`) to get the previous page; null when empty."
  startCursor: String
  "Pass as \`after\` to get the next page; null when empty."
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
