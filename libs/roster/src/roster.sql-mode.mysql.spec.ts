import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Pool, PoolConnection } from 'mysql2';
import { createLogger } from '@sc/config';
import { encodeCursor } from '@sc/db';
import { InProcessBus } from '@sc/events';
import {
  freshMysqlDatabase,
  gqlRequest,
  TEST_LOG_LEVEL,
  underServerSqlMode,
  type TestDatabase,
} from '@sc/testing';
import { roster as rosterService } from './roster.service';
import type { RunningService } from '@sc/service';

/** TypeORM's mysql2 pool of a data source (the driver keeps it public). */
const poolOf = (roster: RunningService) => (roster.dataSource.driver as unknown as { pool: Pool }).pool;
const take = (pool: Pool) =>
  new Promise<PoolConnection>((resolve, reject) =>
    pool.getConnection((error, c) => (error ? reject(error) : resolve(c))),
  );

describe('roster when the server defaults to NO_BACKSLASH_ESCAPES [starts: roster subgraph on MariaDB with the demo roster, in-process bus; needs: MariaDB]', () => {
  /** TypeORM's default pool size, which the service does not change. */
  const POOL = 10;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sc-roster-sql-mode-'));
  const bus = new InProcessBus();
  let db: TestDatabase;
  let roster: RunningService;

  beforeAll(async () => {
    db = await freshMysqlDatabase('roster_sql_mode');
    const env = {
      NODE_ENV: 'test',
      DATA_DIR: dir,
      ROSTER_HOST: '127.0.0.1',
      ROSTER_PORT: '0',
      ROSTER_DATABASE_URL: db.url,
      ROSTER_SEED_DEMO: 'true',
    };
    roster = await rosterService.start({
      env: env,
      logger: createLogger({ service: 'test', level: TEST_LOG_LEVEL }),
      bus,
    });
    // Nothing else may open a connection from here on: the relay is the only background user.
    await roster.relay.stop();
    // Every connection the service has or would open is replaced by one opened inside the window.
    const pool = poolOf(roster);
    const started = await Promise.all(Array.from({ length: POOL }, () => take(pool)));
    for (const c of started) c.destroy();
    await underServerSqlMode(['NO_BACKSLASH_ESCAPES'], async () => {
      const fresh = await Promise.all(Array.from({ length: POOL }, () => take(pool)));
      for (const c of fresh) c.release();
    });
  }, 120_000);
  afterAll(async () => {
    await roster?.close();
    await bus.close();
    await db?.drop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const CHIEFS = `query($after: String) { chiefs(first: 20, after: $after) { totalCount nodes { name } } }`;

  it('a cursor whose key closes the quoted literal returns only the rows past it (none), not every chief', async () => {
    const all = await gqlRequest<{ chiefs: { totalCount: number; nodes: { name: string }[] } }>(
      `${roster.url}/graphql`,
      CHIEFS,
    );
    expect(all.errors).toBeUndefined();
    expect(all.data?.chiefs.nodes).toHaveLength(10);
    // Sort keys start with the appointment time ("2026-…"): none sorts after "9…".
    const res = await gqlRequest<{ chiefs: { nodes: { name: string }[] } }>(`${roster.url}/graphql`, CHIEFS, {
      after: encodeCursor("9' OR 1=1 -- "),
    });
    expect(res.errors).toBeUndefined();
    expect(res.data?.chiefs.nodes).toEqual([]);
  });
});
