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
    // A publisher that refuses one subject keeps that row unpublished.
    const publisher = {
      publish: async (batch: { key: string }[]) => {
        if (batch.some((r) => r.key === 'stuck')) throw new Error('broker says no');
        await bus.publish(batch as never);
      },
      close: () => bus.close(),
    };
    const relay = new OutboxRelay({
      dataSource: ds,
      publisher,
      logger: memoryLogger().logger,
      pollIntervalMs: 20,
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
      // The relay has tried it (and failed) twice: it was there to be purged, and was kept.
      await eventually(
        async () => (await ds.getRepository(OutboxEvent).findOneBy({ aggregateId: 'stuck' }))!.attempts >= 2,
        5_000,
        'stuck row tried twice',
      );
      // Purging everything published before a minute from now still leaves the unpublished row.
      expect(await relay.purgePublished(new Date(Date.now() + 60_000))).toBe(0);
      const left = await ds.getRepository(OutboxEvent).find();
      expect(left.map((e) => e.aggregateId)).toEqual(['stuck']);
      expect(left[0]!.publishedAt).toBeNull();
    } finally {
      await relay.stop();
    }
  });
});
