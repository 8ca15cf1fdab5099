import { escape as mysqlEscape } from 'mysql2';
import { createConnection, type Connection } from 'mysql2/promise';
import { parseMysqlUrl } from './data-source';

/** Runs `work` on a connection to the server of a mysql:// URL, without selecting its database. */
async function onServer<T>(url: string, work: (c: Connection, database: string) => Promise<T>): Promise<T> {
  const { database, host, port, username, password } = parseMysqlUrl(url);
  // The name goes into DDL, which takes no placeholders.
  if (!/^[A-Za-z0-9_]{1,64}$/.test(database))
    throw new Error('database name must be 1–64 letters, digits or _');
  const c = await createConnection({ host, port, user: username, password });
  try {
    return await work(c, database);
  } finally {
    await c.end();
  }
}

/** Creates the database named in a mysql:// URL if it does not exist (utf8mb4). */
export function ensureMysqlDatabase(url: string): Promise<void> {
  return onServer(url, async (c, database) => {
    await c.query(
      `CREATE DATABASE IF NOT EXISTS \`${database}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`,
    );
  });
}

export function dropMysqlDatabase(url: string): Promise<void> {
  return onServer(url, async (c, database) => {
    await c.query(`DROP DATABASE IF EXISTS \`${database}\``);
  });
}

/**
 * A value as a MySQL literal, escaped exactly as mysql2 escapes query parameters (backslash escapes:
 * not for a server in `NO_BACKSLASH_ESCAPES` mode, which the platform never sets). For hot paths that
 * render statements ahead of time, away from the connection; everything else passes parameters.
 */
export function mysqlLiteral(value: string | number | null): string {
  // Most values (ids, tokens, codes, dates) contain nothing to escape: skip the escaper's copy loop.
  if (typeof value === 'string') return NEEDS_ESCAPE.test(value) ? mysqlEscape(value) : `'${value}'`;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return mysqlEscape(value);
}
/** The characters mysql2's string escaping replaces. */
// eslint-disable-next-line no-control-regex -- exactly the control characters MySQL escapes
const NEEDS_ESCAPE = /[\0\b\t\n\r\x1a"'\\]/;
