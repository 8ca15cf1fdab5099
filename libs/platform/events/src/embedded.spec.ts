import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type DataSource, IsNull, Not } from 'typeorm';
import { z } from 'zod';
import { createDataSource, transaction } from '@sc/db';
import { defineTopic, eventsOn } from './contract';
import { parseEnvelope } from './cloud-event';
import { OUTBOX_ENTITIES, InboxEvent, OutboxEvent } from './entities';
import { InProcessBus } from './in-process-bus';
import { subscribeWithInbox } from './inbox';
import { compressEnvelope, Outbox, storedEnvelope } from './outbox';
import { InProcessEventProbe, waitForEvent } from './probe';
import type { EventPublisher, PublishRecord } from './publisher';
import { OutboxRelay } from './relay';
import { TestStreet, eventually, memoryLogger } from './spec-helpers';

const TOPIC = 'caichang.roster.street';
const TYPE = 'cn.caichang.roster.street.created.v1';
// Personal data that must never reach a log line.
const PII = { chiefName: '王秀英', phone: '13912345678' };

describe('@sc/events in embedded mode [SQLite file database, in-process bus]', () => {
  let dir: string;
  let ds: DataSource;
  const outbox = new Outbox({ source: '/caichang/roster' });

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sc-events-'));
    ds = createDataSource({
      url: `sqlite:${path.join(dir, 'db.sqlite')}`,
      entities: [...OUTBOX_ENTITIES, TestStreet],
      migrations: [],
    });
    await ds.initialize();
  });

  afterEach(async () => {
    await ds.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** Changes a street and records an event about it; several changes may concern one street. */
  async function createStreet(subject: string, name: string, fail = false) {
    return transaction(ds, async (m) => {
      await m.insert(TestStreet, { id: randomUUID(), name });
      const event = await outbox.add(m, { topic: TOPIC, type: TYPE, subject, data: { name, ...PII } });
      if (fail) throw new Error('business rule broken after the event was added');
      return event;
    });
  }

  it('records the event only when the business transaction commits', async () => {
    await expect(createStreet('s-rolled-back', '解放路', true)).rejects.toThrow('business rule');
    const committed = await createStreet('s-committed', '人民路');

    const rows = await ds.getRepository(OutboxEvent).find();
    expect(rows.map((r) => r.id)).toEqual([committed.id]);
    expect(rows[0]).toMatchObject({
      aggregateId: 's-committed',
      topic: TOPIC,
      type: TYPE,
      attempts: 0,
      publishedAt: null,
    });
    expect(parseEnvelope(rows[0]?.envelope)).toEqual(committed);
    expect(await ds.getRepository(TestStreet).count()).toBe(1);
  });

  it('refuses to add an event outside a transaction', async () => {
    await expect(
      outbox.add(ds.manager, { topic: TOPIC, type: TYPE, subject: 's1', data: {} }),
    ).rejects.toThrow('inside the transaction');
  });

  it('addMany writes many events of one contract in order (multi-row), validated, inside a transaction only', async () => {
    const topic = defineTopic({ name: 'caichang.roster.streets.v1', description: 'test', key: 'street id' });
    const { renamed } = eventsOn(topic, {
      renamed: ['cn.caichang.roster.street.renamed.v1', z.object({ name: z.string() }), 'Renamed.'],
    } as const);
    const many = Array.from({ length: 250 }, (_, i) => ({ subject: `s${i}`, data: { name: `街${i}` } }));
    const events = await transaction(ds, (m) => outbox.addMany(m, renamed, many));
    const rows = await ds.getRepository(OutboxEvent).find({ order: { seq: 'ASC' } });
    expect(rows.map((r) => r.aggregateId)).toEqual(many.map((e) => e.subject));
    expect(rows.map((r) => r.id)).toEqual(events.map((e) => e.id));
    expect(parseEnvelope(rows[249]?.envelope)).toMatchObject({ type: renamed.type, data: { name: '街249' } });
    await expect(
      transaction(ds, (m) =>
        outbox.addMany(m, renamed, [{ subject: 'x', data: { name: 1 as unknown as string } }]),
      ),
    ).rejects.toThrow();
    await expect(outbox.addMany(ds.manager, renamed, many)).rejects.toThrow('inside the transaction');
    expect(await ds.getRepository(OutboxEvent).count()).toBe(250);
  });

  it('relays events to in-process subscribers in outbox order, keyed by aggregate, and marks them published', async () => {
    const bus = new InProcessBus();
    const probe = new InProcessEventProbe(bus, [TOPIC]);
    const { logger, lines } = memoryLogger();
    const relay = new OutboxRelay({
      dataSource: ds,
      publisher: bus,
      logger,
      pollIntervalMs: 50,
      batchSize: 3,
    });
    relay.start();
    try {
      const ids: string[] = [];
      for (let i = 0; i < 7; i++) ids.push((await createStreet(`s-${i % 2}`, `街道${i}`)).id);
      relay.nudge();
      await probe.waitForCount((r) => r.event !== null, 7, 5_000);
      await bus.idle();

      const seen = probe.all();
      // The in-process bus keeps the global outbox order, not only the order per aggregate.
      expect(seen.map((r) => r.event?.id)).toEqual(ids);
      expect(seen.map((r) => r.key)).toEqual(seen.map((r) => r.event?.subject));
      expect(seen[0]?.headers['content-type']).toBe('application/cloudevents+json');
      await eventually(
        async () => (await ds.getRepository(OutboxEvent).countBy({ publishedAt: Not(IsNull()) })) === 7,
      );
      const rows = await ds.getRepository(OutboxEvent).find({ order: { seq: 'ASC' } });
      expect(rows.every((r) => r.publishedAt instanceof Date)).toBe(true);
      await expect(waitForEvent(probe, { id: ids[5], type: TYPE }, 100)).resolves.toMatchObject({
        key: 's-1',
      });
    } finally {
      await relay.stop();
      await probe.stop();
    }
    expect(lines.join('')).not.toMatch(new RegExp(`${PII.chiefName}|${PII.phone}|街道`));
  });

  it('publishes an envelope stored compressed as the JSON it was, between uncompressed ones in order', async () => {
    const bus = new InProcessBus();
    const probe = new InProcessEventProbe(bus, [TOPIC]);
    const relay = new OutboxRelay({
      dataSource: ds,
      publisher: bus,
      logger: memoryLogger().logger,
      pollIntervalMs: 50,
    });
    const first = await createStreet('s-a', '人民路');
    const big = {
      specversion: '1.0',
      id: randomUUID(),
      source: '/caichang/people',
      type: TYPE,
      subject: 's-b',
      time: new Date().toISOString(),
      datacontenttype: 'application/json',
      data: { items: Array.from({ length: 500 }, (_, i) => ({ n: i, street: '解放路' })) },
    };
    const json = JSON.stringify(big);
    const stored = await compressEnvelope(json);
    expect(stored.startsWith('gz:')).toBe(true);
    expect(stored.length).toBeLessThan(json.length / 4);
    expect(storedEnvelope(stored)).toBe(json);
    expect(storedEnvelope(json)).toBe(json);
    await transaction(ds, (m) =>
      m.insert(OutboxEvent, {
        id: big.id,
        topic: TOPIC,
        aggregateId: 's-b',
        type: TYPE,
        envelope: stored,
        createdAt: new Date(),
      }),
    );
    const last = await createStreet('s-c', '解放路');
    relay.start();
    try {
      await probe.waitForCount((r) => r.event !== null, 3, 5_000);
      const seen = probe.all();
      expect(seen.map((r) => r.event?.id)).toEqual([first.id, big.id, last.id]);
      expect(seen[1]?.value).toBe(json);
    } finally {
      await relay.stop();
      await probe.stop();
    }
  });

  it('keeps failed events in place, counts attempts, retries with backoff and never skips ahead', async () => {
    const delivered: PublishRecord[] = [];
    let failuresLeft = 3;
    const flaky: EventPublisher = {
      publish: (batch) => {
        if (failuresLeft > 0) {
          failuresLeft--;
          return Promise.reject(new Error('broker unavailable'));
        }
        delivered.push(...batch);
        return Promise.resolve();
      },
      close: () => Promise.resolve(),
    };
    const { logger, lines } = memoryLogger();
    const relay = new OutboxRelay({
      dataSource: ds,
      publisher: flaky,
      logger,
      batchSize: 2,
      backoff: { initialMs: 20, maxMs: 80 },
    });
    const ids = [
      (await createStreet('a', '甲')).id,
      (await createStreet('b', '乙')).id,
      (await createStreet('a', '丙')).id,
    ];

    await expect(relay.flush()).rejects.toThrow('broker unavailable');
    const firstTwo = await ds.getRepository(OutboxEvent).find({ order: { seq: 'ASC' } });
    expect(firstTwo.map((r) => [r.attempts, r.publishedAt, r.lastError])).toEqual([
      [1, null, 'Error: broker unavailable'],
      [1, null, 'Error: broker unavailable'],
      [0, null, null],
    ]);

    relay.start();
    await eventually(() => delivered.length === 3, 5_000, 'all events delivered');
    await relay.stop();
    expect(delivered.map((r) => parseEnvelope(r.value).id)).toEqual(ids);
    const rows = await ds.getRepository(OutboxEvent).find({ order: { seq: 'ASC' } });
    expect(rows.map((r) => r.attempts)).toEqual([3, 3, 0]);
    expect(rows.every((r) => r.publishedAt !== null)).toBe(true);

    const parsed = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    // One warning per outage (the first failed attempt; later ones at debug until a minute has
    // passed), and one info line when publishing recovers, naming how many attempts failed.
    const warnings = parsed.filter((l) => l['level'] === 40);
    expect(warnings.map((w) => w['attempt'])).toEqual([1]);
    expect(
      parsed.filter((l) => l['level'] === 20 && l['attempt'] !== undefined).map((l) => l['attempt']),
    ).toEqual([2, 3]);
    expect(parsed.find((l) => l['msg'] === 'outbox publishing recovered')).toMatchObject({
      failedAttempts: 3,
    });
    expect(warnings[0]).toMatchObject({
      count: 2,
      firstEventId: ids[0],
      firstType: TYPE,
      error: 'Error: broker unavailable',
    });
    expect(lines.join('')).not.toMatch(new RegExp(`${PII.chiefName}|${PII.phone}|甲|乙|丙`));
  });

  it('cuts a batch before it outgrows maxBatchBytes (Kafka refuses a produce request over its message limit), in order, one event at least', async () => {
    const batches: PublishRecord[][] = [];
    const recording: EventPublisher = {
      publish: (batch) => {
        batches.push(batch);
        return Promise.resolve();
      },
      close: () => Promise.resolve(),
    };
    const relay = new OutboxRelay({
      dataSource: ds,
      publisher: recording,
      logger: memoryLogger().logger,
      maxBatchBytes: 2_500,
    });
    const ids: string[] = [];
    // ~1 KB envelopes: two fit in 2,500 bytes, a third does not; the 5 KB one goes alone.
    for (const name of ['一'.repeat(250), '二'.repeat(250), '三'.repeat(250), '四'.repeat(1_600), '五'])
      ids.push((await createStreet('a', name)).id);
    await relay.flush();
    expect(batches.map((b) => b.length)).toEqual([2, 1, 1, 1]);
    expect(batches.flat().map((r) => parseEnvelope(r.value).id)).toEqual(ids);
    for (const b of batches.filter((b) => b.length > 1))
      expect(b.reduce((n, r) => n + Buffer.byteLength(String(r.value)), 0)).toBeLessThanOrEqual(2_500);
    expect(await ds.getRepository(OutboxEvent).countBy({ publishedAt: IsNull() })).toBe(0);
  });

  it('runs an inbox handler once per event, even when the bus delivers it twice', async () => {
    const bus = new InProcessBus();
    const { logger } = memoryLogger();
    const handled: string[] = [];
    let failOnce = true;
    const unsubscribe = subscribeWithInbox(bus, {
      topics: [TOPIC],
      consumer: 'cases.street-read-model',
      dataSource: ds,
      logger,
      backoff: { initialMs: 10, maxMs: 20 },
      handler: async (event, manager) => {
        // The effect commits with the inbox row, or neither does.
        await manager.insert(TestStreet, { id: `copy-${event.subject}`, name: 'copy' });
        if (failOnce) {
          failOnce = false;
          throw new Error('transient failure');
        }
        handled.push(event.id);
      },
    });
    try {
      const event = await createStreet('s-dup', '重复路');
      const record = { topic: TOPIC, key: event.subject, value: JSON.stringify(event) };
      await bus.publish([record, { topic: TOPIC, key: 'x', value: 'not json' }, record]);
      await bus.idle();

      expect(handled).toEqual([event.id]);
      expect(await ds.getRepository(InboxEvent).findBy({ consumer: 'cases.street-read-model' })).toHaveLength(
        1,
      );
      expect(await ds.getRepository(TestStreet).countBy({ id: 'copy-s-dup' })).toBe(1);
    } finally {
      unsubscribe();
    }
  });

  it('purges published events older than a date and keeps unpublished ones', async () => {
    const bus = new InProcessBus();
    const { logger } = memoryLogger();
    const relay = new OutboxRelay({ dataSource: ds, publisher: bus, logger });
    await createStreet('p1', '一');
    await relay.flush();
    await createStreet('p2', '二');

    expect(await relay.purgePublished(new Date(Date.now() - 60_000))).toBe(0);
    expect(await relay.purgePublished(new Date(Date.now() + 60_000))).toBe(1);
    const left = await ds.getRepository(OutboxEvent).find();
    expect(left.map((r) => r.aggregateId)).toEqual(['p2']);
  });
});
