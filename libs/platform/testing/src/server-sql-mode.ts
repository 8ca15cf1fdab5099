import { createConnection, type Connection, type RowDataPacket } from 'mysql2/promise';
import { parseMysqlUrl } from '@sc/db';
import { TEST_MYSQL_URL } from './infra';

/** Serialises the windows of every process on the server (other spec files, other people's runs). */
const LOCK = 'sc_test_global_sql_mode';

/**
 * Runs `open` while the server's GLOBAL `sql_mode` also has `modes` (e.g. `NO_BACKSLASH_ESCAPES`), and
 * restores the global at once, before returning: connections opened inside start in that mode (a
 * session copies the global at connect and never looks again), everything opened later does not. The
 * server is shared, so `open` should only open the connections under test; the window is guarded by a
 * named lock so two windows never overlap and each restores what was there before it.
 *
 * A plain connection opened in the window is the positive marker: if its session does not show
 * `modes`, the window had no effect and this throws (a spec would otherwise test the usual mode).
 */
export async function underServerSqlMode<T>(modes: string[], open: () => Promise<T>): Promise<T> {
  if (!modes.every((m) => /^[A-Z_]+$/.test(m))) throw new Error('sql_mode names are upper-case words');
  const server = parseMysqlUrl(`${TEST_MYSQL_URL.replace(/\/+$/, '')}/mysql`);
  const admin = await createConnection({
    host: server.host,
    port: server.port,
    user: server.username,
    password: server.password,
  });
  try {
    if (Number(await value(admin, 'SELECT GET_LOCK(?, 120)', [LOCK])) !== 1)
      throw new Error('timed out waiting for another sql_mode window');
    const original = String(await value(admin, 'SELECT @@GLOBAL.sql_mode'));
    const widened = [...new Set([...original.split(',').filter(Boolean), ...modes])].join(',');
    let result: T;
    let seen: string;
    await admin.query('SET GLOBAL sql_mode = ?', [widened]);
    try {
      const probe = await createConnection({
        host: server.host,
        port: server.port,
        user: server.username,
        password: server.password,
      });
      try {
        seen = String(await value(probe, 'SELECT @@SESSION.sql_mode'));
      } finally {
        await probe.end();
      }
      result = await open();
    } finally {
      await admin.query('SET GLOBAL sql_mode = ?', [original]);
    }
    const missing = modes.filter((m) => !seen.split(',').includes(m));
    if (missing.length > 0) throw new Error(`a new session did not start in ${missing.join(', ')}`);
    return result;
  } finally {
    await admin.query('SELECT RELEASE_LOCK(?)', [LOCK]).catch(() => undefined);
    await admin.end();
  }
}

/** The first column of the first row. */
async function value(c: Connection, sql: string, params: unknown[] = []): Promise<unknown> {
  const [rows] = await c.query<RowDataPacket[]>({ sql, values: params, rowsAsArray: true });
  return (rows[0] as unknown[] | undefined)?.[0];
}
