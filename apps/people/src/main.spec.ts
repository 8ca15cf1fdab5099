import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { createConnection } from 'mysql2/promise';
import { freshMysqlDatabase, ServiceProcess, TEST_KAFKA_BROKERS, type TestDatabase } from '@sc/testing';

const root = path.resolve(__dirname, '../../..');

describe('people main [starts: the people app as a child process]', () => {
  it('stops start-up with one clear line naming each wrong variable, without printing values', () => {
    const run = spawnSync(
      process.execPath,
      [path.join(root, 'node_modules/.bin/tsx'), 'apps/people/src/main.ts'],
      {
        cwd: root,
        env: {
          ...process.env,
          PEOPLE_PORT: 'not-a-port',
          PEOPLE_DATABASE_URL: 'postgres://secret@db/x',
          PEOPLE_COMMUNITY_CODE: 'Not A Code',
        },
        encoding: 'utf8',
        timeout: 60_000,
      },
    );
    expect(run.status).toBe(78);
    const lines = run.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^people: invalid configuration: /);
    expect(lines[0]).toContain('PEOPLE_PORT');
    expect(lines[0]).toContain('PEOPLE_DATABASE_URL');
    expect(lines[0]).toContain('PEOPLE_COMMUNITY_CODE');
    expect(lines[0]).not.toContain('secret');
  });
});

describe('people main in real mode [starts: the people app as a child process; needs: MariaDB, Kafka]', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sc-people-main-real-'));
  let db: TestDatabase | undefined;
  let app: ServiceProcess | undefined;
  let base = '';

  beforeAll(async () => {
    db = await freshMysqlDatabase('people_main');
    app = new ServiceProcess('people', {
      NODE_ENV: 'test',
      DATA_DIR: dataDir,
      PEOPLE_DATABASE_URL: db.url,
      PEOPLE_HOST: '127.0.0.1',
      PEOPLE_PORT: '0',
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
    expect(body.data?._service.sdl).toMatch(/^type Household\b/m);
  });

  it('stops on SIGTERM: logs "shutting down", exits 0, and is gone', async () => {
    if (!app) throw new Error('the app did not start');
    const pid = app.pid;
    const exit = await app.stop('SIGTERM');
    expect(exit).toEqual({ code: 0, signal: null });
    expect(app.logged('shutting down')).toMatchObject({ signal: 'SIGTERM', service: 'people' });
    expect(() => process.kill(pid, 0)).toThrow(expect.objectContaining({ code: 'ESRCH' }));
    await expect(fetch(`${base}/healthz`)).rejects.toThrow();
  });
});

describe('people main with the demo seed [starts: the people app and its seed as child processes; needs: MariaDB, Kafka]', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sc-people-main-seed-'));
  const topicPrefix = `sc-people-main-seed.${randomBytes(3).toString('hex')}.`;
  let db: TestDatabase | undefined;
  let app: ServiceProcess | undefined;

  beforeAll(async () => {
    db = await freshMysqlDatabase('people_main_seed');
    app = new ServiceProcess('people', {
      NODE_ENV: 'test',
      DATA_DIR: dataDir,
      PEOPLE_DATABASE_URL: db.url,
      PEOPLE_HOST: '127.0.0.1',
      PEOPLE_PORT: '0',
      PEOPLE_SEED_DEMO: 'true',
      KAFKA_BROKERS: TEST_KAFKA_BROKERS.join(','),
      KAFKA_TOPIC_PREFIX: topicPrefix,
      KAFKA_GROUP_SUFFIX: `.main-seed-spec-${randomBytes(4).toString('hex')}`,
    });
    await app.ready(180_000);
  }, 240_000);

  afterAll(async () => {
    await app?.stop('SIGKILL');
    await db?.drop();
    const kafka = new Kafka({
      clientId: 'people-main-spec',
      brokers: TEST_KAFKA_BROKERS,
      logLevel: logLevel.NOTHING,
    });
    const admin = kafka.admin();
    try {
      await admin.connect();
      const topics = (await admin.listTopics()).filter((t) => t.startsWith(topicPrefix));
      if (topics.length > 0) await admin.deleteTopics({ topics, timeout: 10_000 });
    } catch {
      // best effort
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('seeds in a child process before it serves, and that process published the seed’s events', async () => {
    if (!app || !db) throw new Error('the app did not start');
    const seeded = app.logged('seeded the Caichang demo population');
    const listening = app.logged('people subgraph listening');
    expect(seeded).toMatchObject({ residents: 11_000 });
    // The seed ran in another process (ADR 0050), which the service waited for before it served.
    const child = app.logged('people demo seed ran in a child process');
    expect(child?.['pid']).toEqual(expect.any(Number));
    expect(child?.['pid']).not.toBe(app.pid);
    expect(app.logs.indexOf(seeded ?? {})).toBeLessThan(app.logs.indexOf(child ?? {}));
    expect(app.logs.indexOf(child ?? {})).toBeLessThan(app.logs.indexOf(listening ?? {}));
    const sql = await createConnection(db.url.replace(/^mariadb:/, 'mysql:'));
    try {
      const [residents] = await sql.query('SELECT COUNT(*) AS n FROM resident');
      expect(Number((residents as { n: number }[])[0]?.n)).toBe(11_000);
      const [pending] = await sql.query(
        'SELECT COUNT(*) AS total, SUM(published_at IS NULL) AS unpublished FROM outbox_event',
      );
      const row = (pending as { total: number; unpublished: string | null }[])[0];
      expect(Number(row?.total)).toBeGreaterThan(55);
      expect(Number(row?.unpublished ?? 0)).toBe(0);
    } finally {
      await sql.end();
    }
  });
});
