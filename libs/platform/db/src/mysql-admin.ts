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
