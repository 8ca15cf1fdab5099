import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { createConnection } from 'mysql2/promise';
import { ROSTER_MIGRATIONS } from '@sc/roster';
import { freshMysqlDatabase, type TestDatabase } from '@sc/testing';

const root = path.resolve(__dirname, '../..');
const STACK = /^\s+at |node:internal|\.ts:\d+/m;

/** Runs the CLI as `npm run db:migrate` does (tsx from the repository root). */
function migrate(args: string[], env: Record<string, string> = {}) {
  const run = spawnSync(
    process.execPath,
    [path.join(root, 'node_modules/.bin/tsx'), 'tools/db/migrate.ts', ...args],
    {
      cwd: root,
      env: { ...process.env, ROSTER_DATABASE_URL: '', PEOPLE_DATABASE_URL: '', ...env },
      encoding: 'utf8',
      timeout: 90_000,
    },
  );
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

describe('npm run db:migrate [starts: the migrate CLI as a child process; real: MariaDB]', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await freshMysqlDatabase('tools_migrate');
  });
  afterAll(async () => db?.drop());

  async function appliedMigrations(): Promise<string[]> {
    const conn = await createConnection(db.url.replace(/^mariadb:/, 'mysql:'));
    try {
      const [rows] = await conn.query('SELECT name FROM migrations ORDER BY id');
      return (rows as { name: string }[]).map((r) => r.name);
    } finally {
      await conn.end();
    }
  }

  it('prints its usage and exits 2 without a known service, or without a MySQL URL for it', () => {
    for (const [args, env] of [
      [[], {}],
      [['nosuchservice'], {}],
      [['roster'], {}],
      [['roster'], { ROSTER_DATABASE_URL: 'sqlite:/tmp/x.sqlite' }],
    ] as [string[], Record<string, string>][]) {
      const run = migrate(args, env);
      expect(run.status).toBe(2);
      expect(run.stderr).toMatch(
        /^usage: <SERVICE>_DATABASE_URL=mysql:\/\/… npm run db:migrate -- <.*roster.*>\n$/,
      );
    }
  });

  it('applies every migration to an empty database, then finds nothing to do', async () => {
    const first = migrate(['roster'], { ROSTER_DATABASE_URL: db.url });
    expect(first.stderr).toContain('migrations are up to date');
    expect(first.status).toBe(0);
    const applied = await appliedMigrations();
    // The kit's outbox/inbox migrations first, then the service's own, in order.
    expect(applied.slice(-ROSTER_MIGRATIONS.length)).toEqual(ROSTER_MIGRATIONS.map((m) => m.name));
    expect(applied.length).toBeGreaterThan(ROSTER_MIGRATIONS.length);

    const again = migrate(['roster'], { ROSTER_DATABASE_URL: db.url });
    expect(again.status).toBe(0);
    expect(await appliedMigrations()).toEqual(applied);
  });

  it('exits 1 with one line, no stack trace, when the database cannot be reached', () => {
    const run = migrate(['roster'], { ROSTER_DATABASE_URL: 'mysql://root@127.0.0.1:1/nowhere' });
    expect(run.status).toBe(1);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).not.toMatch(STACK);
  });
});
