import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(__dirname, '../../..');

describe('roster main [starts: the roster app as a child process]', () => {
  it('stops start-up with one clear line naming each wrong variable, without printing values', () => {
    const run = spawnSync(
      process.execPath,
      [path.join(root, 'node_modules/.bin/tsx'), 'apps/roster/src/main.ts'],
      {
        cwd: root,
        env: { ...process.env, ROSTER_PORT: 'not-a-port', ROSTER_DATABASE_URL: 'postgres://secret@db/x' },
        encoding: 'utf8',
        timeout: 60_000,
      },
    );
    expect(run.status).toBe(78);
    const lines = run.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^roster: invalid configuration: /);
    expect(lines[0]).toContain('ROSTER_PORT');
    expect(lines[0]).toContain('ROSTER_DATABASE_URL');
    expect(lines[0]).not.toContain('secret');
  });

  it('stops start-up with one line naming a database file it cannot read, exit 65, and leaves it as it was', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sc-roster-main-'));
    try {
      const file = path.join(dir, 'roster.sqlite');
      const junk = 'not a database, whatever the name says'.repeat(200);
      fs.writeFileSync(file, junk);
      const run = spawnSync(
        process.execPath,
        [path.join(root, 'node_modules/.bin/tsx'), 'apps/roster/src/main.ts'],
        {
          cwd: root,
          env: {
            ...process.env,
            DATA_DIR: dir,
            ROSTER_DATABASE_URL: '',
            ROSTER_PORT: '0',
            KAFKA_BROKERS: '127.0.0.1:1',
          },
          encoding: 'utf8',
          timeout: 60_000,
        },
      );
      expect(run.status).toBe(65);
      const lines = run.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toBe(
        `roster: cannot read the embedded database ${file} (file is not a database); it was left as it is and ` +
          'nothing was seeded. Restore it from a backup, or move roster.sqlite (with roster.sqlite-wal and ' +
          'roster.sqlite-shm, if there) out of the folder to start with a new database.',
      );
      expect(fs.readFileSync(file, 'utf8')).toBe(junk);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
