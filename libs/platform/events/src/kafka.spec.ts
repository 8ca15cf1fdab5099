import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import path from 'node:path';
import { promisify } from 'node:util';
import { type DataSource, IsNull } from 'typeorm';
import {
  createDataSource,
  dropMysqlDatabase,
  ensureMysqlDatabase,
  openDatabase,
  pendingSchemaChanges,
  transaction,
} from '@sc/db';
import type { CloudEvent } from './cloud-event';
import { InboxEvent, OUTBOX_ENTITIES, OutboxEvent } from './entities';
import { KafkaEventConsumer } from './inbox';
import { KafkaPublisher, createKafka } from './kafka';
import { OUTBOX_MIGRATIONS } from './migrations';
import { Outbox } from './outbox';
import { KafkaEventProbe, type RecordedEvent } from './probe';
import type { EventPublisher, PublishRecord } from './publisher';
import { OutboxRelay } from './relay';
import { CreateTestStreet1764000000001, TestStreet, eventually, memoryLogger } from './spec-helpers';

const KAFKA_PORT = process.env['SC_EVENTS_TEST_KAFKA_PORT'] ?? '29092';
const BROKERS = [`127.0.0.1:${KAFKA_PORT}`];
// mariadb:// tells TypeORM to read MariaDB's catalog dialect (column defaults), see @sc/db.
const MYSQL = process.env['TEST_MYSQL_URL'] ?? 'mariadb://root@127.0.0.1:3306';
const KAFKA_SH = path.resolve(__dirname, '../../../../tools/infra/kafka/kafka.sh');
const TYPE = 'cn.caichang.roster.street.created.v1';
const PII = { chiefName: '李建国', phone: '13698765432' };
const run = promisify(execFile);

async function kafkaSh(command: 'start' | 'stop' | 'status'): Promise<boolean> {
  try {
    await run('bash', [KAFKA_SH, command], { env: { ...process.env, KAFKA_PORT }, timeout: 90_000 });
    return true;
  } catch (err) {
    if (command === 'status') return false;
    throw err;
  }
}

function uniqueTopic(name: string): string {
  return `sc-test-events-${name}-${randomBytes(4).toString('hex')}`;
}

/**
 * How many messages a topic holds (sum over partitions of end minus start offset). Without
 * transactions every message takes one offset, so this counts duplicates too, without waiting.
 */
async function messagesOn(topic: string): Promise<number> {
  const admin = createKafka({
    brokers: BROKERS,
    clientId: 'events-spec-admin',
    logger: memoryLogger('silent').logger,
  }).admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    return offsets.reduce((n, p) => n + Number(p.high) - Number(p.low), 0);
  } finally {
    await admin.disconnect();
  }
}

/** Asserts every id was received exactly once and each key's events arrived in creation order. */
function expectExactlyOnceInOrder(received: RecordedEvent[], created: CloudEvent<unknown>[]): void {
  expect(received.map((r) => r.event?.id).sort()).toEqual(created.map((e) => e.id).sort());
  for (const subject of new Set(created.map((e) => e.subject))) {
    expect(received.filter((r) => r.key === subject).map((r) => r.event?.id)).toEqual(
      created.filter((e) => e.subject === subject).map((e) => e.id),
    );
  }
}

describe(`@sc/events [MariaDB at 127.0.0.1:3306 (database sc_test_events_*), Kafka broker on ${KAFKA_PORT} via tools/infra/kafka/kafka.sh]`, () => {
  const url = `${MYSQL}/sc_test_events_${randomBytes(4).toString('hex')}`;
  const outbox = new Outbox({ source: '/caichang/roster' });
  let ds: DataSource;
  let brokerWasRunning = false;

  beforeAll(async () => {
    brokerWasRunning = await kafkaSh('status');
    if (!brokerWasRunning) await kafkaSh('start');
    await ensureMysqlDatabase(url);
    ds = await openDatabase({
      url,
      entities: [...OUTBOX_ENTITIES, TestStreet],
      migrations: [...OUTBOX_MIGRATIONS, CreateTestStreet1764000000001],
    });
  }, 120_000);

  afterAll(async () => {
    await ds?.destroy();
    await dropMysqlDatabase(url);
    // Leave the broker as we found it (the outage test stops it for a while).
    if (brokerWasRunning) await kafkaSh('start');
    else await kafkaSh('stop');
  }, 120_000);

  /** Changes a street and records an event about it; several changes may concern one street. */
  async function createStreet(
    subject: string,
    opts: { fail?: boolean; topic: string },
  ): Promise<CloudEvent<unknown>> {
    return transaction(ds, async (m) => {
      await m.insert(TestStreet, { id: randomUUID(), name: `街道 ${subject}` });
      const event = await outbox.add(m, {
        topic: opts.topic,
        type: TYPE,
        subject,
        data: { streetId: subject, ...PII },
      });
      if (opts.fail) throw new Error('rolled back on purpose');
      return event;
    });
  }

  /** The publisher as the service kit makes it (its default retries reach the client it connects with). */
  function kafkaPublisher(logger: ReturnType<typeof memoryLogger>['logger']): KafkaPublisher {
    return new KafkaPublisher({ brokers: BROKERS, clientId: 'events-spec-relay', logger });
  }

  it('creates the outbox and inbox tables by migration exactly as the entities describe them', async () => {
    const check = createDataSource({ url, entities: OUTBOX_ENTITIES, migrations: [] });
    await check.initialize();
    try {
      expect(await pendingSchemaChanges(check)).toEqual([]);
    } finally {
      await check.destroy();
    }
  });

  it('writes the outbox row in the business transaction: a rollback leaves no event', async () => {
    const topic = uniqueTopic('rollback');
    await expect(createStreet('rb-1', { topic, fail: true })).rejects.toThrow('on purpose');
    const kept = await createStreet('rb-2', { topic });
    const rows = await ds.getRepository(OutboxEvent).findBy({ topic });
    expect(rows.map((r) => [r.id, r.aggregateId, r.attempts, r.publishedAt])).toEqual([
      [kept.id, 'rb-2', 0, null],
    ]);
    expect(await ds.getRepository(TestStreet).countBy({ name: '街道 rb-1' })).toBe(0);
    await ds.getRepository(OutboxEvent).delete({ topic });
  });

  it('relays events in outbox order with the aggregate id as key; the probe sees each exactly once', async () => {
    const topic = uniqueTopic('order');
    const probe = await KafkaEventProbe.start({ brokers: BROKERS, topics: [topic] });
    const { logger, lines } = memoryLogger();
    const publisher = kafkaPublisher(logger);
    const relay = new OutboxRelay({ dataSource: ds, publisher, logger, pollIntervalMs: 100, batchSize: 4 });
    try {
      const created: CloudEvent<unknown>[] = [];
      for (let i = 0; i < 12; i++) created.push(await createStreet(`order-${i % 3}`, { topic }));
      relay.start();
      relay.nudge();
      await probe.waitForCount((r) => r.topic === topic, 12);
      await eventually(
        async () => (await ds.getRepository(OutboxEvent).countBy({ topic, publishedAt: IsNull() })) === 0,
      );
      // The topic (new to this test) holds exactly the 12 messages: no duplicate was written.
      expect(await messagesOn(topic)).toBe(12);

      const received = probe.all();
      expectExactlyOnceInOrder(received, created);
      expect(received.every((r) => r.headers['content-type'] === 'application/cloudevents+json')).toBe(true);
      expect(received.find((r) => r.event?.id === created[0]?.id)?.event).toEqual(created[0]);
      // One key, one partition: the order per aggregate is the broker's too.
      for (const subject of new Set(created.map((e) => e.subject))) {
        expect(new Set(received.filter((r) => r.key === subject).map((r) => r.partition)).size).toBe(1);
      }

      // Published rows can be purged once old enough; unpublished ones never are.
      expect(await relay.purgePublished(new Date(Date.now() - 3_600_000))).toBe(0);
      expect(await relay.purgePublished(new Date(Date.now() + 60_000))).toBeGreaterThanOrEqual(12);
      expect(await ds.getRepository(OutboxEvent).countBy({ topic })).toBe(0);
    } finally {
      await relay.stop();
      await publisher.close();
      await probe.stop();
    }
    expect(lines.join('')).not.toMatch(new RegExp(`${PII.chiefName}|${PII.phone}|街道`));
  });

  it('relays a snapshot-sized backlog (70 events of ~40 KB, 2.8 MB) that one produce request could not carry', async () => {
    // Regression: people's snapshot (55 resident parts + 14 house parts + completed, 200 items a part)
    // sat in the outbox as one 100-row batch over the broker's 1 MB max.message.bytes; Kafka refused it
    // and the relay retried it forever, so no consumer ever saw the snapshot.
    const topic = uniqueTopic('large');
    const probe = await KafkaEventProbe.start({ brokers: BROKERS, topics: [topic] });
    const { logger } = memoryLogger();
    const publisher = kafkaPublisher(logger);
    const relay = new OutboxRelay({ dataSource: ds, publisher, logger, pollIntervalMs: 100 });
    try {
      const created = await transaction(ds, async (m) => {
        const events: CloudEvent<unknown>[] = [];
        for (let part = 1; part <= 70; part++) {
          events.push(
            await outbox.add(m, {
              topic,
              type: TYPE,
              subject: 'snapshot-1',
              data: {
                part,
                items: Array.from(
                  { length: 200 },
                  (_, i) => `${part}:${i}:${randomBytes(95).toString('hex')}`,
                ),
              },
            }),
          );
        }
        return events;
      });
      relay.start();
      relay.nudge();
      await probe.waitForCount((r) => r.topic === topic, 70);
      expectExactlyOnceInOrder(probe.all(), created);
    } finally {
      await relay.stop();
      await publisher.close();
      await probe.stop();
      await ds.getRepository(OutboxEvent).delete({ topic });
    }
  });

  it('publishes from one relay per database: the MySQL lock holder; another takes over when it stops', async () => {
    const topic = uniqueTopic('lock');
    // A's publisher can be held in the middle of a publish, with the rows still pending.
    let gate: Promise<void> = Promise.resolve();
    let entered: () => void = () => undefined;
    const sink = (into: PublishRecord[], held = false): EventPublisher => ({
      publish: async (batch) => {
        if (held) {
          entered();
          await gate;
        }
        into.push(...batch);
      },
      close: () => Promise.resolve(),
    });
    const byA: PublishRecord[] = [];
    const byB: PublishRecord[] = [];
    const { logger } = memoryLogger();
    const a = new OutboxRelay({
      dataSource: ds,
      publisher: sink(byA, true),
      logger,
      pollIntervalMs: 50,
      lockRetryMs: 100,
    });
    const b = new OutboxRelay({
      dataSource: ds,
      publisher: sink(byB),
      logger,
      pollIntervalMs: 50,
      lockRetryMs: 100,
    });
    a.start();
    try {
      await createStreet('lock-1', { topic });
      await eventually(() => byA.length === 1, 5_000, 'relay A published');
      b.start();
      // Hold A inside its next publish: lock-2 is then pending in the outbox, and B, if it could
      // publish, would find it in its flush.
      let release: () => void = () => undefined;
      gate = new Promise((resolve) => (release = resolve));
      const aEntered = new Promise<void>((resolve) => (entered = resolve));
      await createStreet('lock-2', { topic });
      a.nudge();
      await aEntered;
      await b.flush(); // B stands by: resolves without publishing
      expect(byB).toHaveLength(0);
      expect(await ds.getRepository(OutboxEvent).countBy({ topic, publishedAt: IsNull() })).toBe(1);
      release();
      await eventually(() => byA.length === 2, 5_000, 'relay A published again');

      await a.stop();
      await createStreet('lock-3', { topic });
      await eventually(() => byB.length === 1, 5_000, 'relay B took over');
      expect(byA).toHaveLength(2);
      expect(byB.map((r) => r.key)).toEqual(['lock-3']);
    } finally {
      await a.stop();
      await b.stop();
    }
  });

  it('survives a broker outage: keeps events committed while the broker is down and publishes them in order after', async () => {
    const topic = uniqueTopic('outage');
    const { logger, lines } = memoryLogger();
    const publisher = kafkaPublisher(logger);
    const relay = new OutboxRelay({
      dataSource: ds,
      publisher,
      logger,
      pollIntervalMs: 100,
      backoff: { initialMs: 200, maxMs: 1_000 },
    });
    const created: CloudEvent<unknown>[] = [];
    relay.start();
    try {
      created.push(await createStreet('outage-a', { topic }), await createStreet('outage-b', { topic }));
      relay.nudge();
      await eventually(
        async () => (await ds.getRepository(OutboxEvent).countBy({ topic, publishedAt: IsNull() })) === 0,
      );

      await kafkaSh('stop');
      for (let i = 2; i < 8; i++) created.push(await createStreet(`outage-${'ab'[i % 2]}`, { topic }));
      relay.nudge();
      await eventually(
        async () => {
          const pending = await ds.getRepository(OutboxEvent).findBy({ topic, publishedAt: IsNull() });
          return pending.length === 6 && pending.every((r) => r.attempts >= 2 && r.lastError !== null);
        },
        30_000,
        'failed attempts recorded',
      );

      await kafkaSh('start');
      relay.nudge();
      await eventually(
        async () => (await ds.getRepository(OutboxEvent).countBy({ topic, publishedAt: IsNull() })) === 0,
        30_000,
        'backlog published after the broker came back',
      );
    } finally {
      await relay.stop();
      await publisher.close();
      if (!(await kafkaSh('status'))) await kafkaSh('start');
    }

    const probe = await KafkaEventProbe.start({ brokers: BROKERS, topics: [topic], fromBeginning: true });
    try {
      await probe.waitForCount((r) => r.topic === topic, created.length);
      expect(await messagesOn(topic)).toBe(created.length);
      expectExactlyOnceInOrder(probe.all(), created);
    } finally {
      await probe.stop();
    }

    const logged = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    const retries = logged.filter((l) => l['msg'] === 'publishing outbox events failed; will retry');
    expect(retries.length).toBeGreaterThanOrEqual(2);
    // One warning for the outage (the first failed attempt), the other attempts at debug level.
    expect(retries.map((l) => l['level'])).toEqual([40, ...retries.slice(1).map(() => 20)]);
    expect(retries.map((l) => l['attempt'])).toEqual(retries.map((_, i) => i + 1));
    // The relay may try while the six are still being committed one by one (a smaller first batch);
    // by the last attempt the whole backlog is there.
    expect(retries.at(-1)?.['count']).toBe(6);
    const recovered = logged.filter((l) => l['msg'] === 'outbox publishing recovered');
    expect(recovered.map((l) => [l['level'], l['failedAttempts']])).toEqual([[30, retries.length]]);
    // kafkajs's connection errors: one warning when the broker went away, one info line with the
    // count when it answered again; none of them at error level.
    const kafkajs = logged.filter((l) => l['component'] === 'kafkajs');
    expect(kafkajs.filter((l) => l['level'] === 50)).toEqual([]);
    const unreachable = kafkajs.filter((l) => String(l['msg']).startsWith('Kafka broker unreachable'));
    expect(unreachable).toHaveLength(1);
    expect(unreachable[0]?.['level']).toBe(40);
    const back = kafkajs.filter((l) => l['msg'] === 'Kafka broker reachable again');
    expect(back).toHaveLength(1);
    expect(back[0]?.['connectionErrors']).toBeGreaterThanOrEqual(1);
    expect(lines.join('')).not.toMatch(new RegExp(`${PII.chiefName}|${PII.phone}|街道`));
  }, 90_000);

  it('namespaces topics with a prefix (KAFKA_TOPIC_PREFIX): published and consumed under it, the bare topic untouched', async () => {
    const topic = uniqueTopic('prefixed');
    const prefix = `ns-${randomBytes(3).toString('hex')}.`;
    const { logger } = memoryLogger();
    const publisher = new KafkaPublisher({
      brokers: BROKERS,
      clientId: 'events-spec-prefix',
      logger,
      topicPrefix: prefix,
    });
    const probe = await KafkaEventProbe.start({ brokers: BROKERS, topics: [topic], topicPrefix: prefix });
    const handled: string[] = [];
    const consumer = new KafkaEventConsumer({
      brokers: BROKERS,
      clientId: 'events-spec-prefix',
      groupId: `events-spec-${randomBytes(4).toString('hex')}`,
      topics: [topic],
      topicPrefix: prefix,
      dataSource: ds,
      logger,
      handler: async (event) => void handled.push(event.id),
    });
    try {
      await consumer.start();
      await consumer.joined();
      const event = await createStreet('prefixed-1', { topic });
      await publisher.publish([{ topic, key: 'prefixed-1', value: JSON.stringify(event) }]);
      // The probe records the topic's own name; the broker holds it under the prefix only.
      const [seen] = await probe.waitForCount((r) => r.event?.id === event.id, 1);
      expect(seen?.topic).toBe(topic);
      expect(await messagesOn(prefix + topic)).toBe(1);
      const admin = createKafka({ brokers: BROKERS, clientId: 'events-spec-admin', logger }).admin();
      await admin.connect();
      expect(await admin.listTopics()).not.toContain(topic);
      await admin.disconnect();
      await eventually(async () => handled.includes(event.id));
    } finally {
      await consumer.stop();
      await publisher.close();
      await probe.stop();
      await ds.getRepository(OutboxEvent).delete({ topic });
    }
  });

  it('consumes through the inbox: a redelivered event runs the handler once, invalid messages are skipped, offsets are committed', async () => {
    const topic = uniqueTopic('inbox');
    const groupId = `events-spec-${randomBytes(4).toString('hex')}`;
    const { logger, lines } = memoryLogger();
    const publisher = new KafkaPublisher({ brokers: BROKERS, clientId: 'events-spec-producer', logger });
    const handled: string[] = [];
    const consumerWith = (log: typeof logger) =>
      new KafkaEventConsumer({
        brokers: BROKERS,
        clientId: 'events-spec-consumer',
        groupId,
        topics: [topic],
        dataSource: ds,
        logger: log,
        handler: async (event, manager) => {
          await manager.insert(TestStreet, { id: event.id, name: 'read model' });
          handled.push(event.id);
        },
      });
    const event = (data: unknown): CloudEvent<unknown> => ({
      specversion: '1.0',
      id: randomUUID(),
      source: '/caichang/roster',
      type: TYPE,
      subject: 'inbox-1',
      time: new Date().toISOString(),
      datacontenttype: 'application/json',
      data,
    });
    const message = (e: CloudEvent<unknown>) => ({ topic, key: e.subject, value: JSON.stringify(e) });
    const [first, second, third, fourth] = [event(PII), event({}), event({}), event({})] as const;

    const consumer = consumerWith(logger);
    try {
      await publisher.publish([
        message(first),
        message(first),
        { topic, key: 'inbox-1', value: '{"broken": ' },
        message(second),
      ]);
      await consumer.start();
      await consumer.joined();
      await eventually(() => handled.includes(second.id), 30_000, 'second event handled');
      // A redelivery after the group moved on (e.g. a producer retry) is skipped as well.
      await publisher.publish([message(first), message(third)]);
      await eventually(() => handled.includes(third.id), 30_000, 'third event handled');
    } finally {
      await consumer.stop();
    }

    // A new member of the same group resumes after the committed offsets: nothing is read twice.
    const restarted = memoryLogger();
    const again = consumerWith(restarted.logger);
    try {
      await publisher.publish([message(fourth)]);
      await again.start();
      await eventually(() => handled.includes(fourth.id), 30_000, 'fourth event handled');
    } finally {
      await again.stop();
      await publisher.close();
    }

    expect(handled).toEqual([first.id, second.id, third.id, fourth.id]);
    expect(await ds.getRepository(InboxEvent).countBy({ consumer: groupId })).toBe(4);
    expect(await ds.getRepository(TestStreet).countBy({ id: first.id })).toBe(1);
    const outcomes = (log: string[]) =>
      log
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        .filter(
          (l) => l['msg'] === 'event consumed' || l['msg'] === 'skipping a message that is not a valid event',
        )
        .map((l) => l['outcome'] ?? 'invalid');
    expect(outcomes(lines)).toEqual([
      'processed',
      'duplicate',
      'invalid',
      'processed',
      'duplicate',
      'processed',
    ]);
    expect(outcomes(restarted.lines)).toEqual(['processed']);
    expect([...lines, ...restarted.lines].join('')).not.toMatch(new RegExp(`${PII.chiefName}|${PII.phone}`));
  });
});
