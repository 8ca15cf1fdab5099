import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import type { DataSource } from 'typeorm';
import { openDatabase } from '@sc/db';
import { FieldCipher, parseFieldKeys } from '../crypto';
import { people } from '../people.service';
import { ImportFileError, importResidentsCsv } from './resident-import';

const SAMPLE = fs.readFileSync(path.join(__dirname, '../../../../tools/people-import/sample.csv'), 'utf8');
const key = () => randomBytes(32).toString('base64');

describe('CSV import of residents in embedded mode (SQLite)', () => {
  let dir: string;
  let ds: DataSource;
  const oldKey = key();
  const blind = key();
  const v1 = new FieldCipher(parseFieldKeys(`k1:${oldKey}`, blind));
  const v2 = new FieldCipher(parseFieldKeys(`k2:${key()},k1:${oldKey}`, blind));
  const run = (text: string, cipher: FieldCipher) =>
    importResidentsCsv(Readable.from([Buffer.from(text, 'utf8')]), {
      dataSource: ds,
      cipher,
      actor: 'staff-1',
      batchSize: 7,
      today: '2026-11-25',
    });

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sc-people-import-'));
    ds = await openDatabase({
      url: `sqlite:${dir}/people.sqlite`,
      entities: people.entities,
      migrations: [],
    });
  });
  afterAll(async () => {
    await ds.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('imports, then a re-run finds every row unchanged (ON CONFLICT upsert)', async () => {
    expect(await run(SAMPLE, v1)).toMatchObject({ imported: 23, bad: 7, unchanged: 0, events: 4 });
    expect(await run(SAMPLE, v1)).toMatchObject({
      imported: 0,
      updated: 0,
      unchanged: 23,
      bad: 7,
      events: 0,
    });
    expect(await ds.query('SELECT COUNT(*) AS n FROM resident')).toEqual([{ n: 23 }]);
  });

  it('an empty phone cell keeps the stored phone, re-encrypted under the current key', async () => {
    const edited = SAMPLE.replace('13908120006,仪陇县,流动人口', ',仪陇县,外来常住');
    expect(await run(edited, v2)).toMatchObject({ updated: 1, unchanged: 22 });
    const [row] = (await ds.query(
      "SELECT key_id, id_number_enc, phone_enc, phone_masked, category FROM resident WHERE name = '刘志强'",
    )) as {
      key_id: string;
      id_number_enc: string;
      phone_enc: string;
      phone_masked: string;
      category: string;
    }[];
    expect(row).toMatchObject({ key_id: 'k2', phone_masked: '139****0006', category: 'MIGRANT_LONG_TERM' });
    expect(v2.keyIdOf(row?.phone_enc ?? '')).toBe('k2');
    expect(v2.decrypt(row?.phone_enc ?? '')).toBe('13908120006');
    expect(v2.keyIdOf(row?.id_number_enc ?? '')).toBe('k2');
  });

  it('refuses a file that is not the format before writing anything', async () => {
    await expect(run('名字,电话\n张三,1\n', v1)).rejects.toThrow(ImportFileError);
    await expect(run('', v1)).rejects.toThrow('the file is empty');
    const gbk = Buffer.concat([Buffer.from(SAMPLE.split('\n')[0] ?? ''), Buffer.from([0x0a, 0xd5, 0xc5])]);
    await expect(
      importResidentsCsv(Readable.from([gbk]), { dataSource: ds, cipher: v1, actor: 'x' }),
    ).rejects.toThrow('not UTF-8');
  });
});
