import { randomBytes } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { createDataSource } from './data-source';
import { dropMysqlDatabase, ensureMysqlDatabase, mysqlLiteral } from './mysql-admin';

const SERVER = (process.env['TEST_MYSQL_URL'] ?? 'mariadb://root@127.0.0.1:3306').replace(/\/+$/, '');

/** Strings that end, escape, comment out or widen a literal when rendered wrongly. */
const TRICKY = [
  'plain',
  '',
  '张三',
  '𠀀 and 👍 (outside the BMP)',
  "O'Brien",
  "'",
  "''",
  '\\',
  'ends with a backslash\\',
  "\\'",
  "\\\\'",
  'back\\slash',
  'quote"d',
  '`back`tick',
  'nul\0byte',
  'line\nbreak',
  'tab\tand\rreturn\b\x1a',
  "'; DROP TABLE resident; --",
  "',1,1,USER(),NULL,NULL,NULL,0,NULL,1,NOW(),NOW())#",
  "9' OR 1=1 -- ",
  '/* not a comment */',
  '# nor this',
  '?, ??',
  '%_ like wildcards',
  'v1.k1.AbC-_x.YZ',
  '\u00a0non-breaking, \u2028line separator',
  'x'.repeat(20_000),
];

describe('mysqlLiteral [real: MariaDB]', () => {
  const url = `${SERVER}/sc_test_db_literal_${randomBytes(4).toString('hex')}`;
  let ds: DataSource;
  /** The server's reading of a literal, in a session of the platform's data source. */
  const read = async (literal: string): Promise<unknown> =>
    ((await ds.query(`SELECT ${literal} AS v`)) as { v: unknown }[])[0]?.v;

  beforeAll(async () => {
    await ensureMysqlDatabase(url);
    ds = createDataSource({ url, entities: [], migrations: [] });
    await ds.initialize();
  });
  afterAll(async () => {
    await ds?.destroy();
    await dropMysqlDatabase(url);
  });

  it('every tricky string reads back from the server exactly as written', async () => {
    for (const value of TRICKY) {
      const literal = mysqlLiteral(value);
      expect({ literal, read: await read(literal) }).toEqual({ literal, read: value });
    }
  });

  it('side by side in one statement, no literal runs into the next', async () => {
    const select = TRICKY.map((v, i) => `${mysqlLiteral(v)} AS v${i}`).join(', ');
    const [row] = (await ds.query(`SELECT ${select}`)) as Record<string, unknown>[];
    expect(row).toEqual(Object.fromEntries(TRICKY.map((v, i) => [`v${i}`, v])));
  });

  it('numbers read back as the same number, null as NULL', async () => {
    for (const value of [0, -12, 3.5, -0.25, 2 ** 53 - 1, -(2 ** 53 - 1), 1.5e-7, 1e21]) {
      const literal = mysqlLiteral(value);
      expect({ literal, read: Number(await read(literal)) }).toEqual({ literal, read: value });
    }
    expect(await read(mysqlLiteral(null))).toBeNull();
  });

  it('refuses numbers that have no literal and values it would render differently per machine', () => {
    for (const n of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
      expect(() => mysqlLiteral(n)).toThrow(RangeError);
    }
    // Past the type system (a cast, `any`): a Date would be written in the process's local time.
    const untyped = mysqlLiteral as (value: unknown) => string;
    expect(() => untyped(new Date('2026-01-01T00:00:00Z'))).toThrow(/not a Date/);
    for (const v of [undefined, true, 1n, {}, ['a'], Buffer.from('x')])
      expect(() => untyped(v)).toThrow(TypeError);
  });
});
