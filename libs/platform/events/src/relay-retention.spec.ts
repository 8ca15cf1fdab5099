import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { DataSource } from 'typeorm';
import { openDatabase, transaction } from '@sc/db';
import { OUTBOX_ENTITIES, OutboxEvent } from './entities';
import { InProcessBus } from './in-process-bus';
import { Outbox } from './outbox';
import { OutboxRelay } from './relay';
import { eventually, memoryLogger, TestStreet } from './spec-helpers';

describe('OutboxRelay retention [SQLite, in-process bus]', () => {
  let dir: string;
  let ds: DataSource;
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sc-retention-'));
    ds = await openDatabase({
      url: `sqlite:${dir}/db.sqlite`,
      entities: [...OUTBOX_ENTITIES, TestStreet],
      migrations: [],
    });
  });
  afterAll(async () => {
    await ds.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('deletes published rows past the retention period and never unpublished ones', async () => {
    const outbox = new Outbox({ source: '/test' });
    const add = (subject: string) =>
      transaction(ds, (m) =>
        outbox.add(m, { topic: 't', type: 'cn.caichang.test.thing.happened.v1', subject, data: {} }),
      );
    await add('a');
    await add('b');
    const bus = new InProcessBus();
    // A publisher that refuses one subject (until told otherwise) keeps that row unpublished.
    let refused = 0;
    let accept = false;
    const publisher = {
      publish: async (batch: { key: string }[]) => {
        if (!accept && batch.some((r) => r.key === 'stuck')) {
          refused += 1;
          throw new Error('broker says no');
        }
        await bus.publish(batch as never);
      },
      close: () => bus.close(),
    };
    const relay = new OutboxRelay({
      dataSource: ds,
      publisher,
      logger: memoryLogger().logger,
      pollIntervalMs: 20,
      backoff: { initialMs: 20, maxMs: 100 },
      retention: { keepMs: 0, everyMs: 0 },
    });
    relay.start();
    try {
      await eventually(
        async () => (await ds.getRepository(OutboxEvent).count()) === 0,
        5_000,
        'published rows purged',
      );
      await add('stuck');
      await add('after-stuck');
      // Positive marker: the relay has tried the stuck row and failed (rather than a pause).
      await eventually(() => refused >= 2, 5_000, 'the relay retried the stuck row');
      // The purge the retention policy runs, with a cut-off later than every row: the unpublished ones stay.
      expect(await relay.purgePublished(new Date(Date.now() + 60_000))).toBe(0);
      const left = await ds.getRepository(OutboxEvent).find({ order: { seq: 'ASC' } });
      expect(left.map((e) => [e.aggregateId, e.publishedAt])).toEqual([
        ['stuck', null],
        ['after-stuck', null],
      ]);
      // Once published, the relay purges them on its own.
      accept = true;
      relay.nudge();
      await eventually(
        async () => (await ds.getRepository(OutboxEvent).count()) === 0,
        5_000,
        'the rows published late are purged too',
      );
    } finally {
      await relay.stop();
    }
  });
});
