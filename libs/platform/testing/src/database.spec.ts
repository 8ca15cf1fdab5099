import { createConnection } from 'mysql2/promise';
import { parseMysqlUrl } from '@sc/db';
import { freshMysqlDatabase } from './database';

describe('freshMysqlDatabase [needs: MariaDB]', () => {
  it('creates a uniquely named empty utf8mb4 database and drops it', async () => {
    const a = await freshMysqlDatabase('probe');
    const b = await freshMysqlDatabase('probe');
    expect(a.name).not.toBe(b.name);
    const conn = parseMysqlUrl(a.url);
    const c = await createConnection({
      host: conn.host,
      port: conn.port,
      user: conn.username,
      password: conn.password,
    });
    try {
      const [rows] = await c.query(
        'SELECT DEFAULT_CHARACTER_SET_NAME AS cs FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?',
        [a.name],
      );
      expect(rows).toEqual([{ cs: 'utf8mb4' }]);
      await a.drop();
      await b.drop();
      const [left] = await c.query(
        'SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME IN (?, ?)',
        [a.name, b.name],
      );
      expect(left).toEqual([]);
    } finally {
      await c.end();
    }
  });
});
