import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createLogger } from '@sc/config';
import { KafkaEventProbe, OutboxEvent } from '@sc/events';
import {
  freshMysqlDatabase,
  gqlRequest,
  KAFKA_SCRIPT,
  scrapeMetrics,
  tokenMinter,
  type TestDatabase,
} from '@sc/testing';
import { PlacesTopic } from '@sc/roster-contracts';
import { asRunningRoster, roster as rosterService, type RunningRoster } from './roster.service';
import { stableId } from './seed/caichang';

/** A broker of this spec's own, so taking it down does not disturb other specs. */
const PORT = Number(process.env['TEST_OUTAGE_KAFKA_PORT'] ?? 29392);
const BROKERS = [`127.0.0.1:${PORT}`];
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sc-outage-'));
const kafka = (command: 'start' | 'stop') =>
  execFileSync('bash', [KAFKA_SCRIPT, command], {
    env: { ...process.env, KAFKA_PORT: String(PORT), KAFKA_DATA_DIR: path.join(dataDir, 'kafka') },
    stdio: 'pipe',
  });

describe('broker outage and metrics [starts: Kafka broker on 29392 (stopped and restarted), roster subgraph; needs: MariaDB]', () => {
  let db: TestDatabase;
  let roster: RunningRoster;

  beforeAll(async () => {
    kafka('start');
    db = await freshMysqlDatabase('outage');
    const env = {
      NODE_ENV: 'test',
      DATA_DIR: dataDir,
      ROSTER_HOST: '127.0.0.1',
      ROSTER_PORT: '0',
      ROSTER_DATABASE_URL: db.url,
      KAFKA_BROKERS: BROKERS.join(','),
      ROSTER_SEED_DEMO: 'true',
    };
    roster = asRunningRoster(
      await rosterService.start({
        env: env,
        logger: createLogger({ service: 'outage', level: process.env['TEST_LOG_LEVEL'] ?? 'silent' }),
      }),
    );
    await roster.relay.flush();
  }, 120_000);

  afterAll(async () => {
    await roster?.close();
    await db?.drop();
    kafka('stop');
    fs.rmSync(dataDir, { recursive: true, force: true });
  }, 60_000);

  it('counts on /metrics exactly the requests sent, by operation, and their errors by code', async () => {
    const url = `${roster.url}/graphql`;
    const before = await scrapeMetrics(roster.url);
    const op = { operation: 'MetricsProbe', kind: 'query' };
    const start = before.value('sc_graphql_requests_total', op) ?? 0;
    for (let i = 0; i < 7; i++) {
      const res = await gqlRequest(url, 'query MetricsProbe { streets(first: 1) { totalCount } }', {});
      expect(res.errors).toBeUndefined();
    }
    for (let i = 0; i < 3; i++) {
      const res = await gqlRequest(url, 'query MetricsBad { streets(first: 1000) { totalCount } }', {});
      expect(res.errors?.[0]?.extensions?.['code']).toBe('BAD_USER_INPUT');
    }
    const after = await scrapeMetrics(roster.url);
    expect((after.value('sc_graphql_requests_total', op) ?? 0) - start).toBe(7);
    expect(after.value('sc_graphql_requests_total', { operation: 'MetricsBad', kind: 'query' })).toBe(3);
    expect(after.value('sc_graphql_errors_total', { operation: 'MetricsBad', code: 'BAD_USER_INPUT' })).toBe(
      3,
    );
    expect(
      after.value('sc_graphql_errors_total', { operation: 'MetricsProbe', code: 'BAD_USER_INPUT' }),
    ).toBeUndefined();
    expect(after.value('sc_graphql_request_duration_seconds_count', op)).toBe(7 + start);
    // Every figure carries the service; no id or variable ever becomes a label.
    expect(after.text).toMatch(/sc_graphql_requests_total\{[^}]*service="roster"/);
    expect(after.value('sc_outbox_unpublished_events')).toBe(0);
    expect(after.value('sc_db_pool_max_connections')).toBeGreaterThan(0);
    expect(after.value('process_resident_memory_bytes')).toBeGreaterThan(0);
    expect(after.sum('sc_consumer_lag_messages', { consumer: 'roster.people-residents' })).toBe(0);
  });

  it('keeps changes committed while the broker is down and publishes their events, in order per street, once it is back', async () => {
    kafka('stop');
    const admin = tokenMinter(dataDir).mint(['ADMIN']);
    const call = async <T>(query: string, variables: Record<string, unknown>): Promise<T> => {
      const res = await gqlRequest<T>(`${roster.url}/graphql`, query, variables, admin);
      expect(res.errors).toBeUndefined();
      return res.data!;
    };
    const create = (name: string) =>
      call<{ createStreet: { id: string } }>(
        'mutation($input: CreateStreetInput!) { createStreet(input: $input) { id } }',
        {
          input: { residentGroupId: stableId('group:2'), name },
        },
      ).then((d) => d.createStreet.id);
    const a = await create('停电一路');
    const b = await create('停电二路');
    await call('mutation($input: RenamePlaceInput!) { renameStreet(input: $input) { id } }', {
      input: { id: a, name: '来电一路' },
    });

    // The relay keeps trying and failing meanwhile; the events wait in the outbox.
    const outbox = roster.dataSource.getRepository(OutboxEvent);
    const pending = () => outbox.find({ where: [{ aggregateId: a }, { aggregateId: b }] });
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline && Math.max(0, ...(await pending()).map((e) => e.attempts)) === 0) {
      await new Promise((r) => setTimeout(r, 500));
    }
    const waiting = await pending();
    expect(waiting).toHaveLength(3);
    expect(waiting.every((e) => e.publishedAt === null)).toBe(true);
    expect(Math.max(...waiting.map((e) => e.attempts))).toBeGreaterThan(0);
    // What an operator alerts on: the oldest waiting event gets older while the broker is away.
    const down = await scrapeMetrics(roster.url);
    expect(down.value('sc_outbox_unpublished_events')).toBe(3);
    const age = down.value('sc_outbox_oldest_unpublished_age_seconds') ?? 0;
    expect(age).toBeGreaterThan(0);
    expect(down.value('sc_outbox_publish_failures_total')).toBeGreaterThan(0);
    const publishedBefore = down.value('sc_outbox_published_events_total') ?? 0;
    await new Promise((r) => setTimeout(r, 1_100));
    expect(
      (await scrapeMetrics(roster.url)).value('sc_outbox_oldest_unpublished_age_seconds'),
    ).toBeGreaterThan(age);

    kafka('start');
    const probe = await KafkaEventProbe.start({
      brokers: BROKERS,
      topics: [PlacesTopic.name],
      fromBeginning: true,
    });
    try {
      await probe.waitForCount((m) => m.key === a, 2, 60_000);
      await probe.waitFor((m) => m.key === b, 60_000);
      expect(
        probe
          .all()
          .filter((m) => m.key === a)
          .map((m) => m.event?.type),
      ).toEqual(['cn.caichang.roster.street.created.v1', 'cn.caichang.roster.street.renamed.v1']);
      expect(probe.all().filter((m) => m.key === b)).toHaveLength(1);
      const published = await pending();
      expect(published.every((e) => e.publishedAt !== null)).toBe(true);
      const back = await scrapeMetrics(roster.url);
      expect(back.value('sc_outbox_unpublished_events')).toBe(0);
      expect(back.value('sc_outbox_oldest_unpublished_age_seconds')).toBe(0);
      expect((back.value('sc_outbox_published_events_total') ?? 0) - publishedBefore).toBeGreaterThanOrEqual(
        3,
      );
    } finally {
      await probe.stop();
    }
  }, 120_000);
});
