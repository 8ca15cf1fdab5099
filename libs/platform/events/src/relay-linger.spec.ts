import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { DataSource } from 'typeorm';
import { openDatabase, transaction } from '@sc/db';
import { OUTBOX_ENTITIES, OutboxEvent } from './entities';
import { Outbox } from './outbox';
import { OutboxRelay } from './relay';
import { eventually, memoryLogger, TestStreet } from './spec-helpers';

describe('OutboxRelay linger [SQLite] (ADR 0053)', () => {
  let dir: string;
  let ds: DataSource;
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sc-linger-'));
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

  it('publishes the first event after an idle spell at once; commits during a batch wait for the linger; stop() ends it', async () => {
    const outbox = new Outbox({ source: '/test' });
    const add = (subject: string) =>
      transaction(ds, (m) =>
        outbox.add(m, { topic: 't', type: 'cn.caichang.test.thing.happened.v1', subject, data: {} }),
      );
    const batches: string[][] = [];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let publishing!: () => void;
    const started = new Promise<void>((resolve) => (publishing = resolve));
    const publisher = {
      publish: async (batch: { key: string }[]) => {
        batches.push(batch.map((r) => r.key));
        if (batches.length === 1) {
          publishing();
          await gate;
        }
      },
      close: async () => undefined,
    };
    // Poll and linger far longer than the test: whatever is published comes from a nudge or a flush.
    const relay = new OutboxRelay({
      dataSource: ds,
      publisher,
      logger: memoryLogger().logger,
      pollIntervalMs: 600_000,
      lingerMs: 600_000,
    });
    const published = async (subject: string) =>
      (await ds.getRepository(OutboxEvent).findOneBy({ aggregateId: subject }))?.publishedAt != null;
    relay.start();
    try {
      await eventually(async () => batches.length === 0, 5_000, 'the first (empty) cycle');
      await add('a');
      relay.nudge(); // idle: read at once
      await started;
      await add('b');
      relay.nudge(); // during the batch: the next read waits for the linger
      release();
      await eventually(() => published('a'), 5_000, 'a published');
      expect(batches).toEqual([['a']]);
      expect(await published('b')).toBe(false);
      await relay.flush(); // flush does not linger
      expect(batches).toEqual([['a'], ['b']]);
      expect(await published('b')).toBe(true);
    } finally {
      // Within jest's timeout although the linger is ten minutes.
      await relay.stop();
    }
  });
});
