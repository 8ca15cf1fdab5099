import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { DataSource } from 'typeorm';
import { openDatabase } from '@sc/db';
import { freshMysqlDatabase, type TestDatabase } from '@sc/testing';
import { people } from '../people.service';
import { ResidentRepository, escapeLike } from './resident.repository';

describe('escapeLike', () => {
  it('escapes the LIKE wildcards and its own escape character, nothing else', () => {
    expect(escapeLike('王_明%!x')).toBe('王!_明!%!!x');
    expect(escapeLike('张\\三')).toBe('张\\三');
    expect(escapeLike('')).toBe('');
  });
});

// Names chosen so that an unescaped `_`, `%` or `!` (or a backslash read as an escape) matches more.
const NAMES = ['王_明', '王%明', '王!明', '王\\明', '王明', '王小明', '李王'];

/** The name-prefix search of residents, on each database the product runs on. */
describe.each([
  ['MariaDB [real: MariaDB]', 'mysql'],
  ['the embedded SQLite', 'sqlite'],
] as const)('ResidentRepository name-prefix search on %s', (_label, kind) => {
  let ds: DataSource;
  let db: TestDatabase | undefined;
  let dir: string | undefined;
  const repo = () => new ResidentRepository(ds);

  beforeAll(async () => {
    let url: string;
    if (kind === 'mysql') {
      db = await freshMysqlDatabase('people_resident_repo');
      url = db.url;
    } else {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sc-resident-repo-'));
      url = `sqlite:${dir}/people.sqlite`;
    }
    ds = await openDatabase({ url, entities: people.entities, migrations: people.migrations });
    const now = '2026-05-01 08:00:00.000';
    for (const [i, name] of NAMES.entries()) {
      await ds.query(
        `INSERT INTO resident (id, name, gender, birth_year, id_number_enc, id_number_bidx, id_number_masked,
           key_id, origin, category, status, needs, version, created_at, updated_at)
         VALUES (?, ?, 'MALE', 1980, ?, ?, '5101**********0011', 'k1', '汉源县', 'REGISTERED', 'ACTIVE', '', 1, ?, ?)`,
        [`res-${i}`, name, `v1.k1.${i}`, randomBytes(12).toString('hex'), now, now],
      );
    }
  });
  afterAll(async () => {
    await ds?.destroy();
    await db?.drop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  const search = async (namePrefix: string) =>
    (await repo().list({ status: 'ACTIVE', namePrefix }, { kind: 'all' }, 50, null))
      .map((r) => r.name)
      .sort();

  it('finds every name that starts with the prefix, and only those', async () => {
    expect(await search('王')).toEqual(NAMES.filter((n) => n.startsWith('王')).sort());
    expect(await search('王小')).toEqual(['王小明']);
    expect(await repo().count({ status: 'ACTIVE', namePrefix: '王' }, { kind: 'all' })).toBe(6);
  });

  it('takes _ % ! and a backslash typed by the user literally', async () => {
    expect(await search('王_')).toEqual(['王_明']);
    expect(await search('王%')).toEqual(['王%明']);
    expect(await search('王!')).toEqual(['王!明']);
    expect(await search('王\\')).toEqual(['王\\明']);
    expect(await search('%')).toEqual([]);
    expect(await search('_')).toEqual([]);
  });

  it('combines the prefix with the scope: a caller with no places sees nothing', async () => {
    expect(await repo().list({ status: 'ACTIVE', namePrefix: '王' }, { kind: 'none' }, 50, null)).toEqual([]);
  });
});
