import { randomBytes } from 'node:crypto';
import mysql2 from 'mysql2';
import type { DataSource } from 'typeorm';
import { createDataSource, parseMysqlUrl } from './data-source';
import { dropMysqlDatabase, ensureMysqlDatabase } from './mysql-admin';
import { pinnedMysql2Driver, pinSessionOnConnect, SESSION_SQL_MODE } from './mysql-session';

const SERVER = (process.env['TEST_MYSQL_URL'] ?? 'mariadb://root@127.0.0.1:3306').replace(/\/+$/, '');

interface SessionRow {
  id: number | string;
  mode: string;
  client: string;
  conn: string;
  results: string;
  collation: string;
  tz: string;
}
/** What a connection's session says about itself; the SLEEP keeps it busy so the others need their own. */
const SESSION_QUERY =
  'SELECT CONNECTION_ID() AS id, @@SESSION.sql_mode AS mode, @@character_set_client AS client, ' +
  '@@character_set_connection AS conn, @@character_set_results AS results, ' +
  '@@collation_connection AS collation, @@SESSION.time_zone AS tz, SLEEP(0.2) AS slept';

describe('pinned MySQL sessions [real: MariaDB]', () => {
  const url = `${SERVER}/sc_test_db_session_${randomBytes(4).toString('hex')}`;
  const conn = parseMysqlUrl(url);
  const plainPool = (options: mysql2.PoolOptions = {}) =>
    mysql2.createPool({
      host: conn.host,
      port: conn.port,
      user: conn.username,
      password: conn.password,
      database: conn.database,
      ...options,
    });

  beforeAll(() => ensureMysqlDatabase(url));
  afterAll(() => dropMysqlDatabase(url));

  it("every connection of a service's data source runs in the platform's session from its first statement", async () => {
    const ds: DataSource = createDataSource({ url, entities: [], migrations: [], poolSize: 4 });
    await ds.initialize();
    try {
      // Four at once: the pool opens a new connection for three of them, and this is their first statement.
      const rows = (await Promise.all(
        Array.from({ length: 4 }, async () => ((await ds.query(SESSION_QUERY)) as SessionRow[])[0]),
      )) as SessionRow[];
      expect(new Set(rows.map((r) => Number(r.id))).size).toBe(4);
      for (const r of rows) {
        expect(r).toMatchObject({
          mode: SESSION_SQL_MODE,
          client: 'utf8mb4',
          conn: 'utf8mb4',
          results: 'utf8mb4',
          collation: 'utf8mb4_unicode_ci',
          tz: '+00:00',
        });
      }
    } finally {
      await ds.destroy();
    }
  });

  it('runs the setup before the first command of whoever asked for the new connection', async () => {
    // A session variable exists only on the connection that set it: each first query sees its own.
    const pool = pinSessionOnConnect(
      plainPool({ connectionLimit: 3 }),
      undefined,
      'SET @setup_of = CONNECTION_ID()',
    );
    try {
      const rows = await Promise.all(
        Array.from({ length: 3 }, async () => {
          const [result] = await pool
            .promise()
            .query('SELECT CONNECTION_ID() AS id, @setup_of AS setupOf, SLEEP(0.2) AS slept');
          return (result as { id: number; setupOf: number | null }[])[0];
        }),
      );
      expect(new Set(rows.map((r) => r?.id)).size).toBe(3);
      for (const r of rows) expect(r?.setupOf).toBe(r?.id);
    } finally {
      await pool.promise().end();
    }
  });

  it('a connection whose setup fails is destroyed: the command queued behind it fails and writes nothing', async () => {
    const ds = createDataSource({ url, entities: [], migrations: [] });
    await ds.initialize();
    const failures: Error[] = [];
    const pool = pinSessionOnConnect(
      plainPool({ connectionLimit: 1 }),
      (error) => failures.push(error),
      "SET SESSION sql_mode = 'NOT_A_MODE'",
    );
    try {
      await ds.query('CREATE TABLE session_probe (n INT PRIMARY KEY)');
      await expect(pool.promise().query('INSERT INTO session_probe VALUES (1)')).rejects.toThrow();
      expect(failures).toEqual([expect.objectContaining({ code: 'ER_WRONG_VALUE_FOR_VAR' })]);
      expect(await ds.query('SELECT COUNT(*) AS n FROM session_probe')).toEqual([{ n: 0 }]);
    } finally {
      await pool.promise().end();
      await ds.destroy();
    }
  });

  it('refuses a pool that would reset its sessions on release', () => {
    expect(() => pinnedMysql2Driver().createPool({ host: conn.host, resetOnRelease: true })).toThrow(
      /resetOnRelease/,
    );
  });
});
