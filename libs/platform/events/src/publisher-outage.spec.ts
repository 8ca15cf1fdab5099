import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { type DataSource, IsNull, Not } from 'typeorm';
import { dropMysqlDatabase, ensureMysqlDatabase, openDatabase, transaction } from '@sc/db';
import type { CloudEvent } from './cloud-event';
import { OUTBOX_ENTITIES, OutboxEvent } from './entities';
import { KafkaPublisher } from './kafka';
import { OUTBOX_MIGRATIONS } from './migrations';
import { Outbox } from './outbox';
import { KafkaEventProbe } from './probe';
import { OutboxRelay } from './relay';
import { eventually, memoryLogger } from './spec-helpers';

/**
 * The relay and publisher exactly as the service kit makes them (default settings), against a broker
 * of this spec's own that is stopped and started at several phases of the retry cycle. Conditions
 * with generous timeouts only: how fast (the 2 s) is measured by `npm run bench:outage`.
 */
const PORT = process.env['SC_EVENTS_OUTAGE_KAFKA_PORT'] ?? '29592';
const BROKERS = [`127.0.0.1:${PORT}`];
const MYSQL = process.env['TEST_MYSQL_URL'] ?? 'mariadb://root@127.0.0.1:3306';
const KAFKA_SH = path.resolve(__dirname, '../../../../tools/infra/kafka/kafka.sh');
const TYPE = 'cn.caichang.test.thing.happened.v1';
const run = promisify(execFile);
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sc-events-outage-'));

async function broker(command: 'start' | 'stop'): Promise<void> {
  await run('bash', [KAFKA_SH, command], {
    env: { ...process.env, KAFKA_PORT: PORT, KAFKA_DATA_DIR: path.join(dataDir, 'kafka') },
    timeout: 120_000,
  });
}

describe(`relay and publisher through broker outages [starts: Kafka broker on ${PORT} (stopped and restarted); needs: MariaDB]`, () => {
  const url = `${MYSQL}/sc_test_events_outage_${randomBytes(4).toString('hex')}`;
  const topic = `sc-test-outage-${randomBytes(4).toString('hex')}`;
  const outbox = new Outbox({ source: '/test' });
  const { logger, lines } = memoryLogger();
  const created: CloudEvent<unknown>[] = [];
  let ds: DataSource;
  let publisher: KafkaPublisher;
  let relay: OutboxRelay;
  let outages = 0;

  beforeAll(async () => {
    await broker('start');
    await ensureMysqlDatabase(url);
    ds = await openDatabase({ url, entities: OUTBOX_ENTITIES, migrations: OUTBOX_MIGRATIONS });
    publisher = new KafkaPublisher({ brokers: BROKERS, clientId: 'outage-spec', logger });
    relay = new OutboxRelay({ dataSource: ds, publisher, logger });
    relay.start();
  }, 180_000);

  afterAll(async () => {
    await relay?.stop();
    await publisher?.close();
    await ds?.destroy();
    await dropMysqlDatabase(url);
    await broker('stop');
    fs.rmSync(dataDir, { recursive: true, force: true });
  }, 120_000);

  /** `n` events in one transaction, on ten keys (several events per key, to check the order). */
  async function write(n: number): Promise<void> {
    await transaction(ds, async (m) => {
      for (let i = 0; i < n; i++) {
        const subject = `key-${created.length % 10}`;
        created.push(await outbox.add(m, { topic, type: TYPE, subject, data: { n: created.length } }));
      }
    });
    relay.nudge();
  }

  /** Writes batches of 20 events until `stop` is called (a steady stream, like mutations). */
  function stream(): { stop: () => Promise<void> } {
    let stopped = false;
    const loop = (async () => {
      while (!stopped) await write(20);
    })();
    return {
      stop: async () => {
        stopped = true;
        await loop;
      },
    };
  }

  const pending = () => ds.getRepository(OutboxEvent).countBy({ publishedAt: IsNull() });
  const published = () => ds.getRepository(OutboxEvent).countBy({ publishedAt: Not(IsNull()) });
  const failedRows = () =>
    ds.getRepository(OutboxEvent).countBy({ publishedAt: IsNull(), lastError: Not(IsNull()) });
  const allPublished = () => eventually(async () => (await pending()) === 0, 60_000, 'backlog published');

  it('broker stops while the relay is idle: the relay fails, then waits between attempts; back while it waits, it publishes', async () => {
    await write(5);
    await allPublished();
    await broker('stop');
    outages += 1;
    await write(5);
    await eventually(async () => (await failedRows()) === 5, 30_000, 'failed attempt recorded');
    // Several attempts: the relay is in its backoff cycle when the broker comes back.
    await eventually(
      async () => (await ds.getRepository(OutboxEvent).findOneBy({ publishedAt: IsNull() }))!.attempts >= 4,
      30_000,
      'attempts repeated',
    );
    await broker('start');
    await allPublished();
  }, 180_000);

  it('broker stops in the middle of a stream of writes and comes back right after the first failure', async () => {
    const writes = stream();
    try {
      const before = await published();
      await eventually(async () => (await published()) > before + 100, 30_000, 'stream flowing');
      await broker('stop');
      outages += 1;
      await eventually(async () => (await failedRows()) > 0, 30_000, 'failure seen');
      await broker('start');
      const after = await published();
      await eventually(async () => (await published()) > after + 100, 60_000, 'stream flowing again');
    } finally {
      await writes.stop();
    }
    await allPublished();
  }, 180_000);

  it('broker stops and starts again at once (the relay may be connecting when it is back)', async () => {
    const writes = stream();
    try {
      const before = await published();
      await eventually(async () => (await published()) > before + 100, 30_000, 'stream flowing');
      await broker('stop');
      outages += 1;
      await broker('start');
      const after = await published();
      await eventually(async () => (await published()) > after + 100, 60_000, 'stream flowing again');
    } finally {
      await writes.stop();
    }
    await allPublished();
  }, 180_000);

  it('delivered every event at least once, in order per key; logged each outage once, never as an error', async () => {
    const probe = await KafkaEventProbe.start({ brokers: BROKERS, topics: [topic], fromBeginning: true });
    try {
      const ids = new Set(created.map((e) => e.id));
      const unseen = () => {
        const seen = new Set(probe.all().map((r) => r.event?.id));
        return [...ids].filter((id) => !seen.has(id));
      };
      await eventually(() => unseen().length === 0, 60_000, 'every event received').catch(() => undefined);
      const received = probe.all();
      expect({ created: ids.size, received: received.length, unseen: unseen().slice(0, 3) }).toEqual({
        created: ids.size,
        received: expect.any(Number) as number,
        unseen: [],
      });
      // Per key, the first delivery of each event comes in creation order (a redelivered batch
      // repeats a run of events that were already delivered in order).
      for (let k = 0; k < 10; k++) {
        const key = `key-${k}`;
        const firsts: string[] = [];
        const seen = new Set<string>();
        for (const r of received) {
          if (r.key !== key || !r.event || seen.has(r.event.id)) continue;
          seen.add(r.event.id);
          firsts.push(r.event.id);
        }
        expect(firsts).toEqual(created.filter((e) => e.subject === key).map((e) => e.id));
      }
    } finally {
      await probe.stop();
    }

    const logged = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(logged.filter((l) => l['level'] === 50)).toEqual([]);
    const warnings = logged.filter((l) => l['level'] === 40);
    const unreachable = warnings.filter((l) => String(l['msg']).startsWith('Kafka broker unreachable'));
    const failed = warnings.filter((l) => l['msg'] === 'publishing outbox events failed; will retry');
    // At most one warning of each kind per outage (the broker started by beforeAll may still be
    // loading its coordinator at the first publish: one more), and each recovery names its count.
    // On failure the message is the story of the outages, as logged.
    const story = logged
      .filter((l) => Number(l['level']) >= 30 || String(l['msg']).includes('failed'))
      .map(
        (l) => `${String(l['time'])} ${String(l['level'])} ${String(l['msg'])} ${String(l['error'] ?? '')}`,
      );
    if (!(unreachable.length >= 2 && unreachable.length <= outages + 1)) throw new Error(story.join('\n'));
    expect(failed.length).toBeGreaterThanOrEqual(2);
    expect(failed.length).toBeLessThanOrEqual(outages);
    const back = logged.filter((l) => l['msg'] === 'Kafka broker reachable again');
    expect(back).toHaveLength(unreachable.length);
    expect(back.every((l) => Number(l['connectionErrors']) >= 1)).toBe(true);
  }, 120_000);
});
