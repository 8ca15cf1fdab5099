import { randomBytes } from 'node:crypto';
import pino from 'pino';
import type { DataSource } from 'typeorm';
import { openDatabase } from './data-source';
import { ExclusiveJob } from './exclusive-job';
import { dropMysqlDatabase, ensureMysqlDatabase } from './mysql-admin';

const SERVER = (process.env['TEST_MYSQL_URL'] ?? 'mariadb://root@127.0.0.1:3306').replace(/\/+$/, '');
const logger = pino({ level: 'silent' });

describe('ExclusiveJob across two copies of a service [needs: MariaDB]', () => {
  const url = `${SERVER}/sc_test_db_job_${randomBytes(4).toString('hex')}`;
  const copies: DataSource[] = [];

  beforeAll(async () => {
    await ensureMysqlDatabase(url);
    for (let i = 0; i < 2; i++) copies.push(await openDatabase({ url, entities: [], migrations: [] }));
  });
  afterAll(async () => {
    for (const ds of copies) await ds.destroy();
    await dropMysqlDatabase(url);
  });

  it('runs the work in one copy at a time; the other skips while it holds the lock, then runs again', async () => {
    const runs: string[] = [];
    let release: () => void = () => undefined;
    const holding = new Promise<void>((resolve) => (release = resolve));
    let entered: () => void = () => undefined;
    const inside = new Promise<void>((resolve) => (entered = resolve));
    const first = new ExclusiveJob({
      dataSource: copies[0] as DataSource,
      name: 'sweeper',
      intervalMs: 3_600_000,
      logger,
      run: async () => {
        runs.push('first');
        entered();
        await holding;
      },
    });
    const second = new ExclusiveJob({
      dataSource: copies[1] as DataSource,
      name: 'sweeper',
      intervalMs: 3_600_000,
      logger,
      run: async () => void runs.push('second'),
    });
    const firstRun = first.runOnce();
    await inside; // the first copy holds the lock and is working
    await expect(second.runOnce()).resolves.toBe(false);
    release();
    await expect(firstRun).resolves.toBe(true);
    await expect(second.runOnce()).resolves.toBe(true);
    expect(runs).toEqual(['first', 'second']);
  });

  it('passes the clock it was given to the work, and reports a failed run to the caller', async () => {
    const at = new Date('2027-03-01T08:00:00Z');
    const seen: Date[] = [];
    const job = new ExclusiveJob({
      dataSource: copies[0] as DataSource,
      name: 'clocked',
      intervalMs: 3_600_000,
      logger,
      clock: () => at,
      run: async (now) => void seen.push(now),
    });
    await job.runOnce();
    expect(seen).toEqual([at]);
    const failing = new ExclusiveJob({
      dataSource: copies[0] as DataSource,
      name: 'failing',
      intervalMs: 3_600_000,
      logger,
      run: () => Promise.reject(new Error('boom')),
    });
    await expect(failing.runOnce()).rejects.toThrow('boom');
    // The lock was released: the next run is not skipped.
    const again = new ExclusiveJob({
      ...{ dataSource: copies[1] as DataSource, logger },
      name: 'failing',
      intervalMs: 1,
      run: async () => undefined,
    });
    await expect(again.runOnce()).resolves.toBe(true);
  });
});
