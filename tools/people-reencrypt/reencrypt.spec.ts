import { randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import type { DataSource } from 'typeorm';
import { openDatabase } from '@sc/db';
import { FieldCipher, importResidentsCsv, parseFieldKeys, people } from '@sc/people';
import { freshMysqlDatabase, type TestDatabase } from '@sc/testing';

const root = path.resolve(__dirname, '../..');
const STACK = /^\s+at |node:internal|\.ts:\d+/m;
/** Header and the first five rows of the import sample (all good). */
const FIVE = fs
  .readFileSync(path.join(root, 'tools/people-import/sample.csv'), 'utf8')
  .split('\n')
  .slice(0, 6)
  .join('\n');
const key = () => randomBytes(32).toString('base64');

describe('people:reencrypt CLI [starts: the CLI as a child process; needs: MariaDB]', () => {
  let db: TestDatabase;
  let ds: DataSource;
  let dir: string;
  const oldKey = key();
  const newKey = key();
  const blind = key();
  const before = new FieldCipher(parseFieldKeys(`k0:${oldKey}`, blind));
  const newOnly = new FieldCipher(parseFieldKeys(`k1:${newKey}`, blind));

  /** Runs the CLI as `npm run people:reencrypt` does (tsx from the repository root). */
  function reencrypt(args: string[], fieldKeys = `k1:${newKey},k0:${oldKey}`) {
    const run = spawnSync(
      process.execPath,
      [path.join(root, 'node_modules/.bin/tsx'), 'tools/people-reencrypt/reencrypt.ts', ...args],
      {
        cwd: root,
        env: {
          ...process.env,
          DATA_DIR: dir,
          PEOPLE_DATABASE_URL: db.url,
          PEOPLE_FIELD_KEYS: fieldKeys,
          PEOPLE_BLIND_INDEX_KEY: blind,
          LOG_PRETTY: 'false',
        },
        encoding: 'utf8',
        timeout: 60_000,
      },
    );
    return { status: run.status, stdout: run.stdout, stderr: run.stderr };
  }
  const residents = async () =>
    (await ds.query('SELECT id_number_enc, phone_enc, key_id FROM resident ORDER BY seq')) as {
      id_number_enc: string;
      phone_enc: string | null;
      key_id: string;
    }[];

  beforeAll(async () => {
    db = await freshMysqlDatabase('tools_people_reencrypt');
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sc-people-reencrypt-'));
    ds = await openDatabase({ url: db.url, entities: people.entities, migrations: people.migrations });
    // Five residents written under the old key, by the people library's own import.
    const report = await importResidentsCsv(Readable.from([FIVE]), {
      dataSource: ds,
      cipher: before,
      actor: 'staff-1',
      today: '2026-11-25',
    });
    expect(report.imported).toBe(5);
  });
  afterAll(async () => {
    await ds?.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
    await db?.drop();
  });

  it('prints its usage for --help, exit 0', () => {
    const run = reencrypt(['--help']);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^usage: npm run people:reencrypt \[-- --database /);
    expect(run.stderr).toBe('');
  });

  it.each([
    [['--bogus'], /^unknown argument --bogus\nusage: /],
    [['--batch', 'many'], /^--batch must be an integer from 1 to 10000\nusage: /],
    [['--batch'], /^--batch needs a value\nusage: /],
  ])('refuses %j with one clear line and exit 2, no stack trace', (args, message) => {
    const run = reencrypt(args);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(run.stderr.trim().split('\n')).toHaveLength(2); // the error, then the usage
    expect(run.stderr).not.toMatch(STACK);
    expect(run.stdout).toBe('');
  });

  it('refuses, exit 3 and one line, when a token names a key that is not configured', async () => {
    const run = reencrypt([], `k1:${newKey}`);
    expect(run.status).toBe(3);
    expect(run.stderr).toMatch(/^re-encryption failed: .*'k0', which is not configured/);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).not.toMatch(STACK);
    // Nothing was rewritten.
    expect(new Set((await residents()).map((r) => r.key_id))).toEqual(new Set(['k0']));
  });

  it('re-encrypts every row with the new key: exit 0, the rows read with the new key alone', async () => {
    const original = (await residents()).map((r) => before.decrypt(r.id_number_enc));
    expect(original[0]).toBe('51012919680312023X');

    const run = reencrypt(['--batch', '2']);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toContain(
      're-encrypted with key k1: resident 5, standard_address 2, real_unit 0 rows in ',
    );
    expect(run.stdout).toContain(
      'no row uses another key: the old keys can be removed from PEOPLE_FIELD_KEYS\n',
    );

    const rows = await residents();
    expect(rows.map((r) => r.key_id)).toEqual(['k1', 'k1', 'k1', 'k1', 'k1']);
    expect(rows.map((r) => newOnly.decrypt(r.id_number_enc))).toEqual(original);
    expect(rows.every((r) => !r.id_number_enc.includes('.k0.'))).toBe(true);
    expect(rows.filter((r) => r.phone_enc !== null).map((r) => newOnly.decrypt(r.phone_enc ?? ''))).toContain(
      '13808120001',
    );

    // Again: nothing left to do.
    const again = reencrypt([]);
    expect(again.status).toBe(0);
    expect(again.stdout).toContain('resident 0, standard_address 0, real_unit 0 rows');
  });
});
