import { createConnection } from 'mysql2/promise';
import { parseMysqlUrl } from './data-source';

/** Creates the database named in a mysql:// URL if it does not exist (utf8mb4). */
export async function ensureMysqlDatabase(url: string): Promise<void> {
  const { database, ...conn } = parseMysqlUrl(url);
  const c = await createConnection({
    host: conn.host,
    port: conn.port,
    user: conn.username,
    password: conn.password,
  });
  try {
    await c.query(
      `CREATE DATABASE IF NOT EXISTS \`${database}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`,
    );
  } finally {
    await c.end();
  }
}

export async function dropMysqlDatabase(url: string): Promise<void> {
  const { database, ...conn } = parseMysqlUrl(url);
  const c = await createConnection({
    host: conn.host,
    port: conn.port,
    user: conn.username,
    password: conn.password,
  });
  try {
    await c.query(`DROP DATABASE IF EXISTS \`${database}\``);
  } finally {
    await c.end();
  }
}
