import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Admin, Kafka, Producer } from 'kafkajs';
import type { DataSource } from 'typeorm';
import { JwksKeyResolver, type KeyResolver } from '@sc/auth';
import { createLogger } from '@sc/config';
import { openDatabase } from '@sc/db';
import { DEMO_CHIEFS, demoGridId, stableId } from '@sc/demo';
import { createKafka, ensureTopics, InProcessBus, KafkaEventConsumer, OutboxEvent } from '@sc/events';
import { envPrefix, type RunningService, type Service } from '@sc/service';
import {
  freshMysqlDatabase,
  TEST_KAFKA_BROKERS,
  TEST_LOG_LEVEL,
  tokenMinter,
  type TestDatabase,
} from '@sc/testing';
import { SERVICES } from './index';

/** Events of a consumption taken at most (2 batches of the relay's size). */
const LIMIT = 200;
/** The relay's batch: what a kill between publish and bookkeeping delivers again (docs/events.md). */
const BATCH = 100;

interface Recorded {
  topic: string;
  key: string;
  value: string;
}

/**
 * Every consumer of ours (issue 17, item 5) against the redelivery a `kill -9` of a producer mid-burst
 * causes: the same batch of 100 events delivered again, in order, right after the first time. The events
 * are the real ones: the whole platform started embedded (in-process bus, SQLite) and seeded, plus a
 * patrol finding, taken from the producers' outboxes. Each consumer service gets a fresh MariaDB database;
 * each of its consumers reads a topic of its own on the real broker through the real `KafkaEventConsumer`
 * and inbox. After every batch the whole database is dumped; after the same batch again it must be
 * exactly the same (the read models, the inbox, anything the handler writes, e.g. a case and its events).
 */
describe('every consumer against whole-batch redelivery [starts: every service embedded; needs: MariaDB, Kafka]', () => {
  const logger = createLogger({ service: 'test', level: TEST_LOG_LEVEL });
  const run = randomBytes(4).toString('hex');
  let recorded: Recorded[] = [];
  let kafka: Kafka;
  let producer: Producer;

  beforeAll(async () => {
    recorded = await platformEvents(logger);
    kafka = createKafka({ brokers: TEST_KAFKA_BROKERS, clientId: `redelivery-${run}`, logger });
    producer = kafka.producer();
    await producer.connect();
  }, 600_000);
  afterAll(async () => {
    await producer?.disconnect();
  });

  it('records events of every topic a consumer of ours reads', () => {
    const consumed = new Set(SERVICES.flatMap((s) => s.consumes.flatMap((c) => c.topics.map((t) => t.name))));
    const seen = new Set(recorded.map((e) => e.topic));
    expect([...consumed].filter((t) => !seen.has(t))).toEqual([]);
  });

  const consumers = SERVICES.filter((s) => s.consumes.length > 0).map((s) => [s.name, s] as const);
  it.each(consumers)(
    '%s: every consumer, each batch delivered twice in order, ends as after the first time',
    async (_name, service: Service) => {
      let db: TestDatabase | undefined;
      let ds: DataSource | undefined;
      try {
        db = await freshMysqlDatabase(`redeliver_${service.name}`);
        ds = await openDatabase({ url: db.url, entities: service.entities, migrations: service.migrations });
        // In declared order: a service's later read models may need its earlier ones (a patrol's street).
        for (const c of service.consumes) {
          const names = new Set(c.topics.map((t) => t.name));
          const events = recorded.filter((e) => names.has(e.topic)).slice(0, LIMIT);
          expect(events.length).toBeGreaterThan(0);
          const topicOf = (topic: string) => `redelivery.${run}.${service.name}.${topic}`;
          await ensureTopics(
            kafka,
            [...names].map((t) => ({ topic: topicOf(t), numPartitions: 3 })),
          );
          const groupId = `redelivery.${run}.${service.name}.${c.name}`;
          const consumer = new KafkaEventConsumer({
            brokers: TEST_KAFKA_BROKERS,
            clientId: groupId,
            groupId,
            consumerName: `${service.name}.${c.name}`,
            topics: [...names].map(topicOf),
            handler: c.handler,
            dataSource: ds,
            logger,
            backoff: { initialMs: 50, maxMs: 500 },
          });
          await consumer.start();
          try {
            const start = await dump(ds);
            let last = start;
            for (let i = 0; i < events.length; i += BATCH) {
              const batch = events.slice(i, i + BATCH);
              await deliver(producer, batch, topicOf);
              await consumedToEnd(kafka, groupId, [...names].map(topicOf));
              const once = await dump(ds);
              await deliver(producer, batch, topicOf);
              await consumedToEnd(kafka, groupId, [...names].map(topicOf));
              expect({ consumer: c.name, batch: i / BATCH, tables: await dump(ds) }).toEqual({
                consumer: c.name,
                batch: i / BATCH,
                tables: once,
              });
              last = once;
            }
            // The events did something, so the comparison above compared something.
            expect(last).not.toEqual(start);
            const processed = await ds.query('SELECT COUNT(*) AS n FROM inbox_event WHERE consumer = ?', [
              `${service.name}.${c.name}`,
            ]);
            expect(Number((processed as { n: number }[])[0]?.n)).toBe(new Set(events.map(eventId)).size);
          } finally {
            await consumer.stop();
          }
        }
      } finally {
        await ds?.destroy();
        await db?.drop();
      }
    },
    600_000,
  );
});

const eventId = (e: Recorded) => (JSON.parse(e.value) as { id: string }).id;

/** In order: runs of one topic, each request under 256 KiB (an envelope can be large). */
async function deliver(producer: Producer, batch: Recorded[], topicOf: (t: string) => string): Promise<void> {
  let run: Recorded[] = [];
  let bytes = 0;
  const flush = async () => {
    const first = run[0];
    if (!first) return;
    await producer.send({
      topic: topicOf(first.topic),
      messages: run.map((e) => ({ key: e.key, value: e.value })),
    });
    run = [];
    bytes = 0;
  };
  for (const e of batch) {
    if (run.length && (run[0]?.topic !== e.topic || bytes + e.value.length > 256 * 1024)) await flush();
    run.push(e);
    bytes += e.value.length;
  }
  await flush();
}

/** Resolves once the group's committed offsets reach the end of every partition of the topics. */
async function consumedToEnd(kafka: Kafka, groupId: string, topics: string[]): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  const deadline = Date.now() + 120_000;
  let reached = false;
  try {
    while (!reached && Date.now() < deadline) {
      reached = await atEnd(admin, groupId, topics);
      if (!reached) await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    await admin.disconnect();
  }
  if (!reached) throw new Error(`${groupId} did not reach the end of ${topics.join(', ')}`);
}

async function atEnd(admin: Admin, groupId: string, topics: string[]): Promise<boolean> {
  const committed = await admin.fetchOffsets({ groupId, topics });
  for (const topic of topics) {
    const ends = await admin.fetchTopicOffsets(topic);
    const mine = committed.find((t) => t.topic === topic)?.partitions ?? [];
    for (const p of ends) {
      const at = mine.find((x) => x.partition === p.partition)?.offset ?? '-1';
      if (p.high !== '0' && at !== p.high) return false;
    }
  }
  return true;
}

/** Every table of the database (but `migrations`), rows in a fixed order. */
async function dump(ds: DataSource): Promise<Record<string, string[]>> {
  const tables = ((await ds.query('SHOW TABLES')) as Record<string, string>[]).map(
    (r) => Object.values(r)[0] as string,
  );
  const out: Record<string, string[]> = {};
  for (const table of tables.filter((t) => t !== 'migrations').sort()) {
    const rows = (await ds.query(`SELECT * FROM \`${table}\``)) as Record<string, unknown>[];
    out[table] = rows.map((r) => JSON.stringify(r)).sort();
  }
  return out;
}

/**
 * The whole platform embedded (as `apps/embedded` starts it: in registry order on one in-process bus,
 * then each seed, its events through to every read model), plus a patrol finding by the first demo chief;
 * then every event in the producers' outboxes, in publication order.
 */
async function platformEvents(logger: ReturnType<typeof createLogger>): Promise<Recorded[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sc-redelivery-'));
  const env: Record<string, string> = {
    NODE_ENV: 'test',
    DATA_DIR: dir,
    KAFKA_BROKERS: TEST_KAFKA_BROKERS.join(','),
  };
  for (const s of SERVICES) {
    const p = envPrefix(s.name);
    env[`${p}_HOST`] = '127.0.0.1';
    env[`${p}_PORT`] = '0';
    env[`${p}_DATABASE_URL`] = `sqlite:${path.join(dir, `${s.name}.sqlite`)}`;
  }
  const bus = new InProcessBus({ logger });
  const running: RunningService[] = [];
  try {
    let keys: KeyResolver | undefined;
    for (const s of SERVICES) {
      const started = await s.start({ env, logger, bus, keyResolver: keys, seed: false });
      running.push(started);
      if (started.jwksUrl) keys ??= new JwksKeyResolver(started.jwksUrl);
    }
    for (const s of running) {
      await s.seed();
      await s.relay.flush();
      await bus.idle();
    }
    await recordPatrol(running.find((s) => s.name === 'roster') as RunningService, dir);
    const events: Recorded[] = [];
    for (const s of running) {
      const rows = await s.dataSource.getRepository(OutboxEvent).find({ order: { seq: 'ASC' } });
      for (const r of rows) events.push({ topic: r.topic, key: r.aggregateId, value: r.envelope });
    }
    return events;
  } finally {
    for (const s of running.reverse()) await s.close();
    await bus.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** A patrol finding by the first demo chief, through the roster's GraphQL with a real token. */
async function recordPatrol(roster: RunningService, dir: string): Promise<void> {
  const chief = DEMO_CHIEFS[0] as (typeof DEMO_CHIEFS)[number];
  const token = tokenMinter(dir).mint(['STREET_CHIEF'], { scopes: [`grid:${demoGridId(1)}`] });
  const res = await fetch(`${roster.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({
      query: 'mutation P($i: RecordPatrolInput!) { recordPatrol(input: $i) { id } }',
      variables: {
        i: {
          streetId: stableId(`street:${chief.streetNames[0] as string}`),
          patrolledAt: new Date().toISOString(),
          route: '正街全段',
          findings: '路灯损坏一处',
          hazardCount: 1,
          requestCount: 0,
          needsAction: true,
        },
      },
    }),
  });
  const body = (await res.json()) as { errors?: unknown };
  if (body.errors) throw new Error(`recordPatrol: ${JSON.stringify(body.errors)}`);
}
