import mysql2, { type Pool, type PoolConnection, type PoolOptions } from 'mysql2';
import type { Connection as PromiseConnection } from 'mysql2/promise';

/**
 * The `sql_mode` every MySQL/MariaDB connection of the platform runs in, whatever the server's global
 * setting (ADR 0013): MySQL 8.4's default. Above all it leaves out `NO_BACKSLASH_ESCAPES`, which mysql2's
 * client-side escaping (every `?` parameter, and `mysqlLiteral`) depends on, and `ANSI_QUOTES`.
 */
export const SESSION_SQL_MODE =
  'ONLY_FULL_GROUP_BY,STRICT_TRANS_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION';

/**
 * The one statement that puts a new connection in the state the platform's SQL assumes: the sql_mode
 * above; utf8mb4 both ways (a server that ignores the handshake's charset, or defaults a client to GBK,
 * would otherwise read escaped multi-byte text differently: GBK's trail bytes include `\`); UTC, which
 * mysql2's `timezone: 'Z'` assumes when it converts dates.
 */
export const SESSION_SETUP_SQL =
  `SET NAMES utf8mb4 COLLATE utf8mb4_unicode_ci, SESSION sql_mode = '${SESSION_SQL_MODE}', ` +
  `SESSION time_zone = '+00:00'`;

/**
 * Makes every new connection of a mysql2 (callback) pool run `setup` before anything else.
 *
 * mysql2 emits `connection` synchronously after the handshake and before it hands the connection to the
 * `getConnection` caller (lib/base/pool.js), and a connection runs its commands one at a time in the
 * order they were added (lib/base/connection.js `addCommand`): a statement queued in the listener runs
 * before the first command of whoever asked for the connection. If it fails the connection is destroyed,
 * so the commands queued behind it fail instead of running in the server's own mode.
 */
export function pinSessionOnConnect(
  pool: Pool,
  onError: (error: Error) => void = () => undefined,
  setup: string = SESSION_SETUP_SQL,
): Pool {
  pool.on('connection', (connection: PoolConnection) => {
    connection.query(setup, (error) => {
      if (error === null) return;
      connection.destroy();
      onError(error);
    });
  });
  return pool;
}

/**
 * A mysql2 pool with the session pinned ({@link pinSessionOnConnect}), for TypeORM's `driver` option.
 * `resetOnRelease` is refused: COM_RESET_CONNECTION would put a released connection back in the server's
 * own mode. Only `createPool` is offered, so a configuration that would make TypeORM open connections
 * some other way (replication: `createPoolCluster`) fails at start instead of running unpinned.
 */
export function pinnedMysql2Driver(onError?: (error: Error) => void): {
  createPool(options: PoolOptions): Pool;
} {
  return {
    createPool(options: PoolOptions): Pool {
      if (options.resetOnRelease === true) {
        throw new Error('resetOnRelease would undo the pinned session (sql_mode, charset, time zone)');
      }
      return pinSessionOnConnect(mysql2.createPool(options), onError);
    },
  };
}

/** For a connection opened on its own (mysql2/promise): the same setup, before it is used. */
export async function pinSession(connection: PromiseConnection): Promise<void> {
  await connection.query(SESSION_SETUP_SQL);
}
