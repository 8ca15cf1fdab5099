import { escape as mysqlEscape } from 'mysql2';
import { createConnection, type Connection } from 'mysql2/promise';
import { parseMysqlUrl } from './data-source';
import { pinSession } from './mysql-session';

/** Runs `work` on a connection to the server of a mysql:// URL, without selecting its database. */
async function onServer<T>(url: string, work: (c: Connection, database: string) => Promise<T>): Promise<T> {
  const { database, host, port, username, password } = parseMysqlUrl(url);
  // The name goes into DDL, which takes no placeholders.
  if (!/^[A-Za-z0-9_]{1,64}$/.test(database))
    throw new Error('database name must be 1–64 letters, digits or _');
  const c = await createConnection({ host, port, user: username, password });
  try {
    await pinSession(c);
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
 * A value as a MySQL literal, escaped as mysql2 escapes query parameters: backslash escapes, which the
 * server reads as such because every connection the platform opens pins a session without
 * `NO_BACKSLASH_ESCAPES` (mysql-session.ts, ADR 0013). For hot paths that render statements ahead of
 * time, away from the connection; everything else passes parameters.
 *
 * Takes only what renders the same on every server: a `NaN` or `Infinity` has no literal (mysql2 would
 * write `NaN` into the statement), and a `Date` would be written in the process's local time (mysql2's
 * `escape` knows no connection time zone) — both are errors; render dates as UTC strings first.
 *
 * @throws RangeError for a non-finite number; TypeError for anything but a string, a number or null.
 */
export function mysqlLiteral(value: string | number | null): string {
  // Most values (ids, tokens, codes, dates) contain nothing to escape: skip the escaper's copy loop.
  if (typeof value === 'string') return NEEDS_ESCAPE.test(value) ? mysqlEscape(value) : `'${value}'`;
  if (typeof value === 'number') {
    if (Number.isFinite(value)) return String(value);
    throw new RangeError(`a MySQL literal needs a finite number, not ${String(value)}`);
  }
  if (value === null) return 'NULL';
  // Reached only past the type system (`any`, a cast): say what came, never the value itself.
  const unexpected: unknown = value;
  const kind = unexpected instanceof Date ? 'a Date' : typeof unexpected;
  throw new TypeError(`a MySQL literal takes a string, a finite number or null, not ${kind}`);
}
/** The characters mysql2's string escaping replaces. */
// eslint-disable-next-line no-control-regex -- exactly the control characters MySQL escapes
const NEEDS_ESCAPE = /[\0\b\t\n\r\x1a"'\\]/;
