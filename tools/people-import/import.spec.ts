import { randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createConnection } from 'mysql2/promise';
import { FieldCipher, parseFieldKeys } from '@sc/people';
import { freshMysqlDatabase, type TestDatabase } from '@sc/testing';

const root = path.resolve(__dirname, '../..');
const STACK = /^\s+at |node:internal|\.ts:\d+/m;
const SAMPLE = fs.readFileSync(path.join(__dirname, 'sample.csv'), 'utf8').split('\n');
/** Header and the first five rows of the sample (lines 1–6, all good, none spanning two lines). */
const GOOD = SAMPLE.slice(0, 6);
/** The sample's first bad row: 曹操, an ID number whose check digit does not match. */
const BAD_ROW = SAMPLE.find((l) => l.startsWith('曹操,'));
const key = () => randomBytes(32).toString('base64');

describe('people:import CLI [starts: the CLI as a child process; needs: MariaDB]', () => {
  let db: TestDatabase;
  let dir: string;
  const fieldKey = key();
  const blindKey = key();

  /** Runs the CLI as `npm run people:import` does (tsx from the repository root), with fixed keys. */
  function runImport(args: string[]) {
    const run = spawnSync(
      process.execPath,
      [path.join(root, 'node_modules/.bin/tsx'), 'tools/people-import/import.ts', ...args],
      {
        cwd: root,
        env: {
          ...process.env,
          DATA_DIR: dir,
          PEOPLE_DATABASE_URL: db.url,
          PEOPLE_FIELD_KEYS: `k0:${fieldKey}`,
          PEOPLE_BLIND_INDEX_KEY: blindKey,
          LOG_PRETTY: 'false',
        },
        encoding: 'utf8',
        timeout: 60_000,
      },
    );
    return { status: run.status, stdout: run.stdout, stderr: run.stderr };
  }
  async function residents() {
    const conn = await createConnection(db.url.replace(/^mariadb:/, 'mysql:'));
    try {
      const [rows] = await conn.query(
        'SELECT name, id_number_enc, id_number_masked, key_id FROM resident ORDER BY seq',
      );
      return rows as { name: string; id_number_enc: string; id_number_masked: string; key_id: string }[];
    } finally {
      await conn.end();
    }
  }
  function csv(lines: string[]): string {
    const file = path.join(dir, `${randomBytes(3).toString('hex')}.csv`);
    fs.writeFileSync(file, `${lines.join('\n')}\n`);
    return file;
  }

  beforeAll(async () => {
    db = await freshMysqlDatabase('tools_people_import');
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sc-people-import-'));
  });
  afterAll(async () => {
    fs.rmSync(dir, { recursive: true, force: true });
    await db?.drop();
  });

  it('prints its usage for --help and -h, exit 0', () => {
    for (const flag of ['--help', '-h']) {
      const run = runImport([flag]);
      expect(run.status).toBe(0);
      expect(run.stdout).toMatch(/^usage: npm run people:import -- <file\.csv> \[--database /);
      expect(run.stderr).toBe('');
    }
  });

  it.each([
    [['--bogus'], /^unknown option --bogus\nusage: /],
    [[], /^no CSV file given\nusage: /],
    [['a.csv', '--batch', '0'], /^--batch must be an integer from 1 to 10000\nusage: /],
    [['a.csv', '--database', 'postgres://x'], /^--database must be mysql:/],
    [['/nonexistent/a.csv'], /^cannot read \/nonexistent\/a\.csv\nusage: /],
  ])('refuses %j with one clear line and exit 2, no stack trace', (args, message) => {
    const run = runImport(args);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(run.stderr.trim().split('\n')).toHaveLength(2); // the error, then the usage
    expect(run.stderr).not.toMatch(STACK);
    expect(run.stdout).toBe('');
  });

  it('imports a valid file: exit 0, a summary, the rows encrypted and masked in the database', async () => {
    const run = runImport([csv(GOOD)]);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const summary = run.stdout
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((l) => l['msg'] === 'import finished');
    expect(summary).toMatchObject({ lines: 5, imported: 5, updated: 0, unchanged: 0, bad: 0 });
    expect(run.stdout).not.toContain('bad rows');

    const rows = await residents();
    expect(rows.map((r) => r.name)).toEqual(['王建国', '李秀英', '王小军', '张德明', '陈桂芳']);
    const cipher = new FieldCipher(parseFieldKeys(`k0:${fieldKey}`, blindKey));
    expect(cipher.decrypt(rows[0]?.id_number_enc ?? '')).toBe('51012919680312023X');
    expect(rows[0]?.id_number_enc).not.toContain('51012919680312023X');
    expect(rows[0]?.id_number_masked).toBe('5101**********023X');
    expect(new Set(rows.map((r) => r.key_id))).toEqual(new Set(['k0']));

    // The same file again changes nothing.
    const again = runImport([csv(GOOD)]);
    expect(again.status).toBe(0);
    expect(again.stdout).toContain('"unchanged":5');
    expect(await residents()).toHaveLength(5);
  });

  it('reports a bad row by its line, exit 1, and imports the good rows around it', async () => {
    expect(BAD_ROW).toBeDefined();
    // Lines: 1 header, 2 a row already imported, 3 the bad row, 4 a new good row.
    const good = SAMPLE.find((l) => l.startsWith('刘志强,'));
    const report = path.join(dir, 'bad-rows.csv');
    const run = runImport([
      csv([SAMPLE[0] ?? '', SAMPLE[1] ?? '', BAD_ROW ?? '', good ?? '']),
      '--report',
      report,
    ]);
    expect(run.status).toBe(1);
    expect(run.stderr).toBe('');
    // The report is one block; the JSON log lines (written asynchronously) may come before or after it.
    expect(run.stdout).toContain(
      'bad rows (line: reasons):\n  3: 身份证号: check digit does not match (typo?)\n',
    );
    expect(run.stdout).toMatch(/"imported":1,"updated":0,"unchanged":1,"bad":1/);
    expect(fs.readFileSync(report, 'utf8')).toBe(
      '\uFEFF行号,原因\r\n3,身份证号: check digit does not match (typo?)\r\n',
    );
    // Nothing of the report's values: line and reason only.
    expect(fs.readFileSync(report, 'utf8')).not.toContain('曹操');

    const names = (await residents()).map((r) => r.name);
    expect(names).toContain('刘志强');
    expect(names).toHaveLength(6);
    expect(names).not.toContain('曹操');
  });
});
