import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freshMysqlDatabase, ServiceProcess, TEST_KAFKA_BROKERS, type TestDatabase } from '@sc/testing';

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

describe('roster main in real mode [starts: the roster app as a child process; needs: MariaDB, Kafka]', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sc-roster-main-real-'));
  let db: TestDatabase | undefined;
  let app: ServiceProcess | undefined;
  let base = '';

  beforeAll(async () => {
    db = await freshMysqlDatabase('roster_main');
    app = new ServiceProcess('roster', {
      NODE_ENV: 'test',
      DATA_DIR: dataDir,
      ROSTER_DATABASE_URL: db.url,
      ROSTER_HOST: '127.0.0.1',
      ROSTER_PORT: '0',
      KAFKA_BROKERS: TEST_KAFKA_BROKERS.join(','),
      KAFKA_GROUP_SUFFIX: `.main-spec-${randomBytes(4).toString('hex')}`,
    });
    base = await app.ready(90_000);
  }, 120_000);

  afterAll(async () => {
    await app?.stop('SIGKILL');
    await db?.drop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('answers /healthz and /readyz with 200 on the port it logged', async () => {
    const health = await fetch(`${base}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready', checks: { database: 'ok' } });
  });

  it('answers a GraphQL query with data: its own subgraph SDL', async () => {
    const res = await fetch(`${base}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ __typename _service { sdl } }' }),
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      data?: { __typename: string; _service: { sdl: string } };
      errors?: unknown;
    };
    expect(body.errors).toBeUndefined();
    expect(body.data?.__typename).toBe('Query');
    expect(body.data?._service.sdl).toMatch(/^type Account\b/m);
  });

  it('stops on SIGTERM: logs "shutting down", exits 0, and is gone', async () => {
    if (!app) throw new Error('the app did not start');
    const pid = app.pid;
    const exit = await app.stop('SIGTERM');
    expect(exit).toEqual({ code: 0, signal: null });
    expect(app.logged('shutting down')).toMatchObject({ signal: 'SIGTERM', service: 'roster' });
    expect(() => process.kill(pid, 0)).toThrow(expect.objectContaining({ code: 'ESRCH' }));
    await expect(fetch(`${base}/healthz`)).rejects.toThrow();
  });
});
