import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { type DataSource, In } from 'typeorm';
import { createLogger } from '@sc/config';
import { createDataSource } from '@sc/db';
import { ensureTopics, InProcessBus, KafkaSubscriber, OUTBOX_ENTITIES, type Subscription } from '@sc/events';
import {
  GRID_CHIEFS_READ_MODEL,
  GRID_READ_MODEL,
  GridChief,
  GridPlace,
  PLACES_READ_MODEL,
  RosterPlace,
} from '@sc/roster-contracts';
import { roster } from '@sc/roster';
import type { RunningService } from '@sc/service';
import {
  freshMysqlDatabase,
  gqlRequest,
  TEST_KAFKA_BROKERS,
  TEST_LOG_LEVEL,
  tokenMinter,
  type TestDatabase,
  WORKSPACE_ROOT,
} from '@sc/testing';

const run = promisify(execFile);
const tsx = path.join(WORKSPACE_ROOT, 'node_modules/.bin/tsx');
const CLI = path.join(WORKSPACE_ROOT, 'tools/readmodels/snapshot.ts');

/** Polls until `check` holds (the events travel through Kafka); fails with `what` after 60 s. */
async function eventually(check: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: not reached within 60 s`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * ADR 0023 in real mode: the roster holds places and a grid whose events are not in Kafka (they were
 * written before a retention window that has passed — here, published to an in-process bus nobody
 * heard), and new consumer groups start where the retention left them. They find nothing of them; after
 * `npm run readmodels:snapshot -- --service roster` its read models hold them, and a second snapshot
 * interleaved with live changes leaves them at the latest state.
 */
describe('read-model snapshot of the roster [real: MariaDB, Kafka; starts: roster subgraph, the snapshot CLI]', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sc-readmodels-'));
  const logger = createLogger({ service: 'test', level: TEST_LOG_LEVEL });
  let rosterDb: TestDatabase;
  let consumerDb: TestDatabase;
  let consumer: DataSource;
  let live: RunningService | undefined;
  const subscriptions: Subscription[] = [];
  const token = tokenMinter(dir).mint(['ADMIN'], { subject: 'readmodels-spec' });
  const code = `rm${randomBytes(3).toString('hex')}`;
  const ids: Record<string, string> = {};
  const READ_MODELS = [PLACES_READ_MODEL, GRID_READ_MODEL, GRID_CHIEFS_READ_MODEL];
  const group = (readModel: string) => `readmodels-spec.${readModel}.${consumerDb.name}`;

  const env = () => ({
    NODE_ENV: 'test',
    DATA_DIR: dir,
    ROSTER_HOST: '127.0.0.1',
    ROSTER_PORT: '0',
    ROSTER_DATABASE_URL: rosterDb.url,
    ROSTER_SEED_DEMO: 'false',
    KAFKA_BROKERS: TEST_KAFKA_BROKERS.join(','),
    KAFKA_GROUP_SUFFIX: `.${rosterDb.name}`,
    LOG_LEVEL: 'warn',
  });
  const gql = async <T>(service: RunningService, query: string, variables: Record<string, unknown>) => {
    const res = await gqlRequest<T>(`${service.url}/graphql`, query, variables, token);
    expect(res.errors).toBeUndefined();
    return res.data as T;
  };
  const snapshotCli = async () => {
    const { stdout } = await run(tsx, [CLI, '--service', 'roster'], {
      cwd: WORKSPACE_ROOT,
      env: { ...process.env, ...env(), LOG_LEVEL: 'warn' },
    });
    const id = /snapshot ([0-9a-f-]{36}) written to the outbox: places (\d+), grids (\d+), chiefs (\d+)/.exec(
      stdout,
    );
    expect(id).not.toBeNull();
    return id?.[1] ?? '';
  };
  const ours = () => consumer.getRepository(RosterPlace).findBy({ communityId: ids['community'] });
  const rosterPlaces = async (service: RunningService) =>
    (
      (await service.dataSource.query(
        'SELECT id, kind, name, parent_id AS parentId, community_id AS communityId, status FROM place WHERE community_id = ? ORDER BY id',
        [ids['community']],
      )) as RosterPlace[]
    ).map((p) => ({ ...p }));
  const heldPlaces = async () =>
    (await ours())
      .sort((a, b) => (a.id < b.id ? -1 : 1))
      .map((p) => ({
        id: p.id,
        kind: p.kind,
        name: p.name,
        parentId: p.parentId,
        communityId: p.communityId,
        status: p.status,
      }));

  beforeAll(async () => {
    rosterDb = await freshMysqlDatabase('readmodels_roster');
    consumerDb = await freshMysqlDatabase('readmodels_consumer');

    // The history nobody kept: the roster's changes go to an in-process bus (their outbox rows are
    // published, so the Kafka relay of the next start never sends them).
    const before = await roster.start({ env: env(), logger, bus: new InProcessBus() });
    try {
      const c = await gql<{ createCommunity: { id: string } }>(
        before,
        'mutation($i: CreateCommunityInput!) { createCommunity(input: $i) { id } }',
        { i: { code, name: `社区${code}` } },
      );
      ids['community'] = c.createCommunity.id;
      const g = await gql<{ createResidentGroup: { id: string } }>(
        before,
        'mutation($i: CreateResidentGroupInput!) { createResidentGroup(input: $i) { id } }',
        { i: { communityId: ids['community'], name: '一组' } },
      );
      ids['group'] = g.createResidentGroup.id;
      for (const name of ['东街', '西街', '南街']) {
        const s = await gql<{ createStreet: { id: string } }>(
          before,
          'mutation($i: CreateStreetInput!) { createStreet(input: $i) { id } }',
          { i: { residentGroupId: ids['group'], name } },
        );
        ids[name] = s.createStreet.id;
      }
      const y = await gql<{ createCourtyard: { id: string } }>(
        before,
        'mutation($i: CreateCourtyardInput!) { createCourtyard(input: $i) { id } }',
        { i: { streetId: ids['东街'], name: '一号院' } },
      );
      ids['courtyard'] = y.createCourtyard.id;
      await gql(before, 'mutation($i: RetirePlaceInput!) { retireStreet(input: $i) { id } }', {
        i: { id: ids['南街'], reason: '并入东街' },
      });
      const grid = await gql<{ createGrid: { id: string } }>(
        before,
        'mutation($i: CreateGridInput!) { createGrid(input: $i) { id } }',
        { i: { name: `网格${code}`, streetIds: [ids['东街'], ids['西街']], reason: '划分网格' } },
      );
      ids['grid'] = grid.createGrid.id;
      await before.relay.flush();
    } finally {
      await before.close();
    }

    // The same roster in real mode, and a consumer with read models it never had.
    live = await roster.start({ env: env(), logger });
    consumer = createDataSource({
      url: consumerDb.url,
      entities: [RosterPlace, GridPlace, GridChief, ...OUTBOX_ENTITIES],
      migrations: [],
    });
    await consumer.initialize();
    await consumer.synchronize();
    const subscriber = new KafkaSubscriber({
      brokers: TEST_KAFKA_BROKERS,
      clientId: 'readmodels-spec',
      logger,
    });
    // The shared broker's topics hold every suite's history (the retention's worth): the new groups
    // start at their end, as if the retention had passed over all of it — nothing before now reaches them.
    const kafka = new Kafka({
      clientId: 'readmodels-spec-admin',
      brokers: TEST_KAFKA_BROKERS,
      logLevel: logLevel.NOTHING,
    });
    await ensureTopics(
      kafka,
      READ_MODELS.flatMap((c) => c.topics.map((t) => ({ topic: t.name }))),
    );
    const admin = kafka.admin();
    await admin.connect();
    try {
      for (const c of READ_MODELS)
        for (const t of c.topics) {
          const ends = await admin.fetchTopicOffsets(t.name);
          await admin.setOffsets({
            groupId: group(c.name),
            topic: t.name,
            partitions: ends.map((p) => ({ partition: p.partition, offset: p.high })),
          });
        }
    } finally {
      await admin.disconnect();
    }
    for (const c of READ_MODELS) {
      const s = subscriber.subscribe({
        consumer: group(c.name),
        topics: c.topics.map((t) => t.name),
        handler: c.handler,
        dataSource: consumer,
      });
      subscriptions.push(s);
    }
    for (const s of subscriptions) await s.running(60_000);
  }, 180_000);

  afterAll(async () => {
    for (const s of subscriptions) await s.stop();
    await live?.close();
    if (consumer?.isInitialized) await consumer.destroy();
    await rosterDb?.drop();
    await consumerDb?.drop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('fills a new consumer group from the snapshot, not from history, and applies a second snapshot amid changes to the latest state', async () => {
    const roster = live;
    if (!roster) throw new Error('the roster did not start');
    // A consumer that reads every retained event of the topics holds nothing of this community.
    const marker = await gql<{ createStreet: { id: string } }>(
      roster,
      'mutation($i: CreateStreetInput!) { createStreet(input: $i) { id } }',
      { i: { residentGroupId: ids['group'], name: '北街' } },
    );
    ids['北街'] = marker.createStreet.id;
    await eventually(
      async () => await consumer.getRepository(RosterPlace).existsBy({ id: ids['北街'] }),
      'the live street created after the start',
    );
    expect((await ours()).map((p) => p.id)).toEqual([ids['北街']]);
    expect(await consumer.getRepository(GridPlace).countBy({ gridId: ids['grid'] })).toBe(0);

    // The snapshot, written by the CLI to the roster's outbox and published by the running roster.
    await snapshotCli();
    await eventually(async () => (await ours()).length === 7, 'the snapshot in the read model');
    expect(await heldPlaces()).toEqual(await rosterPlaces(roster));
    expect((await consumer.getRepository(RosterPlace).findOneBy({ id: ids['南街'] }))?.status).toBe(
      'RETIRED',
    );
    const grid = await consumer.getRepository(GridPlace).findBy({ gridId: ids['grid'] });
    expect(grid.map((g) => g.placeId).sort()).toEqual([ids['东街'], ids['西街']].sort());

    // A second snapshot, then live changes of places it restates: the older restatement never wins.
    await snapshotCli();
    await gql(roster, 'mutation($i: RenamePlaceInput!) { renameStreet(input: $i) { id } }', {
      i: { id: ids['西街'], name: '西大街' },
    });
    await gql(roster, 'mutation($i: RetirePlaceInput!) { retireCourtyard(input: $i) { id } }', {
      i: { id: ids['courtyard'], reason: '拆迁' },
    });
    await gql(roster, 'mutation($i: SetGridPlacesInput!) { setGridPlaces(input: $i) { id } }', {
      i: { id: ids['grid'], streetIds: [ids['东街']], courtyardIds: [], reason: '调整网格' },
    });
    // And a third after them (applied twice over the same state: nothing changes).
    await snapshotCli();
    await eventually(async () => {
      const held = await consumer
        .getRepository(RosterPlace)
        .findBy({ id: In([ids['西街'], ids['courtyard']]) });
      const members = await consumer.getRepository(GridPlace).countBy({ gridId: ids['grid'] });
      return (
        held.some((p) => p.name === '西大街') && held.some((p) => p.status === 'RETIRED') && members === 1
      );
    }, 'the live changes in the read model');
    await roster.relay.flush();
    // Every event of the roster's outbox was published; the last one (the third snapshot) is applied
    // once the read model's inbox holds it.
    const [last] = (await roster.dataSource.query(
      "SELECT id FROM outbox_event WHERE topic = 'caichang.roster.places.v1' ORDER BY seq DESC LIMIT 1",
    )) as { id: string }[];
    await eventually(
      async () =>
        Number(
          (
            (await consumer.query('SELECT COUNT(*) AS n FROM inbox_event WHERE event_id = ?', [
              last?.id,
            ])) as {
              n: string;
            }[]
          )[0]?.n,
        ) > 0,
      'the last snapshot event in the inbox',
    );
    expect(await heldPlaces()).toEqual(await rosterPlaces(roster));
    expect(
      (await consumer.getRepository(GridPlace).findBy({ gridId: ids['grid'] })).map((g) => g.placeId),
    ).toEqual([ids['东街']]);
  }, 180_000);
});
