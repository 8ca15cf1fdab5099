import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import type { DataSource } from 'typeorm';
import { createDataSource, openDatabase } from '@sc/db';
import { freshMysqlDatabase, underServerSqlMode, type TestDatabase } from '@sc/testing';
import { FieldCipher, parseFieldKeys } from '../crypto';
import { people } from '../people.service';
import { importResidentsCsv } from './resident-import';

const HEADER = '姓名,性别,身份证号,联系电话,户籍地,人员类别,街道,院落,楼栋,单元,门牌号,迁入日期,备注\n';
/** 50 characters, a valid 户籍地: rendered with backslash escapes and read without them, it ends the row. */
const EXPLOIT = "',1,1,USER(),NULL,NULL,NULL,0,NULL,1,NOW(),NOW())#";
const csvCell = (v: string) => `"${v.replace(/"/g, '""')}"`;

describe('CSV import when the server defaults to NO_BACKSLASH_ESCAPES [real: MariaDB]', () => {
  const POOL = 3;
  let db: TestDatabase;
  let ds: DataSource;
  const cipher = new FieldCipher(
    parseFieldKeys(`k1:${randomBytes(32).toString('base64')}`, randomBytes(32).toString('base64')),
  );
  const run = (text: string) =>
    importResidentsCsv(Readable.from([Buffer.from(text, 'utf8')]), {
      dataSource: ds,
      cipher,
      actor: 'staff-1',
      today: '2026-11-25',
    });
  const resident = async (name: string) =>
    (
      (await ds.query(
        'SELECT name, origin, category, status, needs, street_id AS street, version FROM resident WHERE name = ?',
        [name],
      )) as Record<string, unknown>[]
    )[0];

  beforeAll(async () => {
    db = await freshMysqlDatabase('import_sql_mode');
    // Migrated first, in the usual mode: the window below only opens the connections the import uses.
    const migrating = await openDatabase({
      url: db.url,
      entities: people.entities,
      migrations: people.migrations,
    });
    await migrating.destroy();
    ds = await underServerSqlMode(['NO_BACKSLASH_ESCAPES'], async () => {
      const opened = createDataSource({
        url: db.url,
        entities: people.entities,
        migrations: people.migrations,
        poolSize: POOL,
      });
      await opened.initialize();
      // Every connection of the pool opened now (statements that overlap need one each), inside the window.
      await Promise.all(Array.from({ length: POOL }, () => opened.query('SELECT SLEEP(0.1)')));
      return opened;
    });
  });
  afterAll(async () => {
    await ds?.destroy();
    await db?.drop();
  });

  it('stores a 户籍地 that would close the statement as written, and the row after it too (first load)', async () => {
    const report = await run(
      HEADER +
        `王建国,男,51012919680312023X,13808120001,${csvCell(EXPLOIT)},户籍人口,正街,正街一号院,,,12,,\n` +
        '李秀英,女,510129197007210247,13808120002,大邑县,户籍人口,正街,正街一号院,,,12,,\n',
    );
    expect(report).toMatchObject({ lines: 2, imported: 2, bad: 0 });
    expect(await resident('王建国')).toEqual({
      name: '王建国',
      origin: EXPLOIT,
      category: 'REGISTERED',
      status: 'ACTIVE',
      needs: '',
      street: expect.any(String),
      version: 1,
    });
    expect(await resident('李秀英')).toMatchObject({ origin: '大邑县', status: 'ACTIVE', needs: '' });
    expect(await ds.query('SELECT COUNT(*) AS n FROM resident')).toEqual([{ n: 2 }]);
  });

  it('updates an existing resident with such a value as written (lookups with parameters, upsert)', async () => {
    const backslashed = `\\${EXPLOIT.slice(0, 49)}`;
    const report = await run(
      HEADER +
        `王建国,男,51012919680312023X,13808120001,${csvCell(EXPLOIT)},户籍人口,正街,正街一号院,,,12,,\n` +
        `李秀英,女,510129197007210247,13808120002,${csvCell(backslashed)},户籍人口,正街,正街一号院,,,12,,\n`,
    );
    expect(report).toMatchObject({ lines: 2, imported: 0, updated: 1, unchanged: 1, bad: 0 });
    expect(await resident('李秀英')).toMatchObject({ origin: backslashed, version: 2, needs: '' });
    expect(await resident('王建国')).toMatchObject({ origin: EXPLOIT, version: 1 });
    expect(await ds.query('SELECT COUNT(*) AS n FROM resident')).toEqual([{ n: 2 }]);
  });
});
