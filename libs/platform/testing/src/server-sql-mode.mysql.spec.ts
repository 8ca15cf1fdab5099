import { createConnection, type Connection, type RowDataPacket } from 'mysql2/promise';
import type { DataSource } from 'typeorm';
import { createDataSource, parseMysqlUrl, SESSION_SQL_MODE } from '@sc/db';
import { freshMysqlDatabase, type TestDatabase } from './database';
import { underServerSqlMode } from './server-sql-mode';

async function first(c: Connection, sql: string): Promise<unknown> {
  const [rows] = await c.query<RowDataPacket[]>({ sql, rowsAsArray: true });
  return (rows[0] as unknown[] | undefined)?.[0];
}

describe('a server whose global sql_mode has NO_BACKSLASH_ESCAPES [real: MariaDB]', () => {
  let db: TestDatabase;
  const plain = () => {
    const c = parseMysqlUrl(db.url);
    return createConnection({ host: c.host, port: c.port, user: c.username, password: c.password });
  };

  beforeAll(async () => {
    db = await freshMysqlDatabase('sql_mode_window');
  });
  afterAll(() => db?.drop());

  it('starts the sessions opened in the window in that mode, and restores the global before returning', async () => {
    const outside = await plain();
    try {
      const globalBefore = await first(outside, 'SELECT @@GLOBAL.sql_mode');
      const inside = await underServerSqlMode(['NO_BACKSLASH_ESCAPES'], plain);
      try {
        expect(String(await first(inside, 'SELECT @@SESSION.sql_mode')).split(',')).toContain(
          'NO_BACKSLASH_ESCAPES',
        );
        // The server reads a backslash as itself in that session: what mysql2's escaping gets wrong.
        expect(await first(inside, "SELECT 'a\\'")).toBe('a\\');
      } finally {
        await inside.end();
      }
      expect(await first(outside, 'SELECT @@GLOBAL.sql_mode')).toBe(globalBefore);
    } finally {
      await outside.end();
    }
  });

  it("yet a service's data source opened in the window quotes values as its driver escapes them", async () => {
    const ds: DataSource = await underServerSqlMode(['NO_BACKSLASH_ESCAPES'], async () => {
      const opened = createDataSource({ url: db.url, entities: [], migrations: [], poolSize: 3 });
      await opened.initialize();
      // Three statements at once: every connection of the pool is opened now, inside the window.
      await Promise.all([1, 2, 3].map(() => opened.query('SELECT SLEEP(0.1)')));
      return opened;
    });
    try {
      const rows = (await Promise.all(
        [1, 2, 3].map(async () => {
          const [row] = (await ds.query(
            'SELECT CONNECTION_ID() AS id, @@SESSION.sql_mode AS mode, ? AS value, SLEEP(0.1) AS slept',
            ["9' OR 1=1 -- \\"],
          )) as { id: number; mode: string; value: string }[];
          return row;
        }),
      )) as { id: number; mode: string; value: string }[];
      expect(new Set(rows.map((r) => r.id)).size).toBe(3);
      for (const r of rows) expect(r).toMatchObject({ mode: SESSION_SQL_MODE, value: "9' OR 1=1 -- \\" });
    } finally {
      await ds.destroy();
    }
  });
});
