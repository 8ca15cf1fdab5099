import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createLogger } from '@sc/config';
import { InProcessBus } from '@sc/events';
import type { RunningService } from '@sc/service';
import {
  errorCodes,
  freshMysqlDatabase,
  gqlRequest,
  TEST_LOG_LEVEL,
  tokenMinter,
  type TestDatabase,
  walkConnection,
} from '@sc/testing';
import { roster as rosterService } from './roster.service';
import { knownResidents } from './services/spec-helpers';

const PAGE_INFO = 'pageInfo { hasNextPage hasPreviousPage startCursor endCursor }';
const ARGS = '$first: Int, $after: String, $last: Int, $before: String';
const PAGING = 'first: $first, after: $after, last: $last, before: $before';

describe('roster lists under orderBy [starts: roster subgraph on MariaDB with the demo roster, in-process bus; needs: MariaDB]', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sc-roster-order-'));
  let db: TestDatabase;
  let roster: RunningService;
  let graphql: string;
  let admin: string;
  let staff: string;

  beforeAll(async () => {
    db = await freshMysqlDatabase('roster_order');
    roster = await rosterService.start({
      env: {
        NODE_ENV: 'test',
        DATA_DIR: dir,
        ROSTER_HOST: '127.0.0.1',
        ROSTER_PORT: '0',
        ROSTER_DATABASE_URL: db.url,
        ROSTER_SEED_DEMO: 'true',
      },
      logger: createLogger({ service: 'test', level: TEST_LOG_LEVEL }),
      bus: new InProcessBus(),
    });
    graphql = `${roster.url}/graphql`;
    admin = tokenMinter(dir).mint(['ADMIN']);
    staff = tokenMinter(dir).mint(['COMMUNITY_STAFF'], { scopes: ['community:caichang'] });
    // Accounts that tie on the display name (the seed's names are all different).
    for (const n of [1, 2, 3, 4, 5]) {
      const res = await gqlRequest(
        graphql,
        'mutation($i: CreateAccountInput!) { createAccount(input: $i) { id } }',
        {
          i: {
            username: `order-${n}`,
            displayName: '值班员',
            password: 'correct horse battery',
            roles: ['COMMUNITY_STAFF'],
          },
        },
        admin,
      );
      expect(res.errors).toBeUndefined();
    }
    // Nominated candidates: no term yet, so APPOINTED orders them by id alone (NULL ties).
    const candidates = ['a1', 'a2', 'a3', 'a4'].map((n) => `00000000-0000-4000-8000-0000000000${n}`);
    await knownResidents(roster.dataSource, ...candidates, '00000000-0000-4000-8000-0000000000ff');
    for (const [i, residentId] of candidates.entries()) {
      const res = await gqlRequest(
        graphql,
        'mutation($i: NominateChiefInput!) { nominateChief(input: $i) { id } }',
        {
          i: {
            residentId,
            name: i % 2 ? '候选人乙' : '候选人甲',
            nominatorResidentId: '00000000-0000-4000-8000-0000000000ff',
            reason: '热心',
          },
        },
        staff,
      );
      expect(res.errors).toBeUndefined();
    }
  }, 120_000);
  afterAll(async () => {
    await roster?.close();
    await db?.drop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const idsOf = async (sql: string, params: unknown[] = []) =>
    ((await roster.dataSource.query(sql, params)) as { id: string }[]).map((r) => r.id);

  /** Walks forward and backward with `size`; both must give exactly `expected`. */
  async function expectWalks(
    query: string,
    vars: Record<string, unknown>,
    field: string,
    token: string,
    size: number,
    expected: string[],
  ) {
    const walk = { url: graphql, query, vars, token, size, pick: (d: Record<string, unknown>) => d[field] };
    expect((await walkConnection<{ id: string }>(walk, 'forward')).map((n) => n.id)).toEqual(expected);
    expect((await walkConnection<{ id: string }>(walk, 'backward')).map((n) => n.id)).toEqual(expected);
  }

  const CHIEFS = `query(${ARGS}, $status: ChiefStatus, $order: ChiefOrder) {
    chiefs(${PAGING}, status: $status, orderBy: $order) { nodes { id } ${PAGE_INFO} } }`;

  it.each([
    ['NAME', 'ASC', 'name ASC, id ASC'],
    ['NAME', 'DESC', 'name DESC, id DESC'],
    ['APPOINTED', 'ASC', 'term_start ASC, id ASC'],
    ['APPOINTED', 'DESC', 'term_start DESC, id DESC'],
  ])('appointed chiefs by %s %s, both ways, as the database orders them', async (field, direction, sql) => {
    const expected = await idsOf(`SELECT id FROM street_chief WHERE status = 'APPOINTED' ORDER BY ${sql}`);
    expect(expected.length).toBeGreaterThan(3);
    await expectWalks(CHIEFS, { order: { field, direction } }, 'chiefs', staff, 2, expected);
  });

  it('nominated chiefs by NAME (ties) one at a time, both ways', async () => {
    const expected = await idsOf(
      `SELECT id FROM street_chief WHERE status = 'NOMINATED' ORDER BY name DESC, id DESC`,
    );
    expect(expected).toHaveLength(4);
    await expectWalks(
      CHIEFS,
      { status: 'NOMINATED', order: { field: 'NAME', direction: 'DESC' } },
      'chiefs',
      staff,
      1,
      expected,
    );
  });

  it('nominated chiefs (no term yet: all NULL) by APPOINTED fall back to the id, both ways', async () => {
    const expected = await idsOf(
      `SELECT id FROM street_chief WHERE status = 'NOMINATED' ORDER BY term_start, id`,
    );
    expect(expected.length).toBeGreaterThan(1);
    await expectWalks(
      CHIEFS,
      { status: 'NOMINATED', order: { field: 'APPOINTED' } },
      'chiefs',
      staff,
      1,
      expected,
    );
  });

  it('streets by name: all of them, and under one community, both ways', async () => {
    const STREETS = `query(${ARGS}, $community: ID, $order: PlaceOrder) {
      streets(${PAGING}, communityId: $community, orderBy: $order) { nodes { id } ${PAGE_INFO} } }`;
    for (const direction of ['ASC', 'DESC'] as const) {
      const all = await idsOf(
        `SELECT id FROM place WHERE kind = 'STREET' AND status = 'ACTIVE' ORDER BY name ${direction}, id ${direction}`,
      );
      expect(all.length).toBeGreaterThan(5);
      await expectWalks(STREETS, { order: { field: 'NAME', direction } }, 'streets', staff, 4, all);
      const [community] = await idsOf(`SELECT id FROM place WHERE kind = 'COMMUNITY' LIMIT 1`);
      const inCommunity = await idsOf(
        `SELECT id FROM place WHERE kind = 'STREET' AND status = 'ACTIVE' AND community_id = ? ORDER BY name ${direction}, id ${direction}`,
        [community],
      );
      expect(inCommunity.length).toBeGreaterThan(5);
      await expectWalks(
        STREETS,
        { community, order: { field: 'NAME', direction } },
        'streets',
        staff,
        3,
        inCommunity,
      );
    }
  });

  it('grids by name and accounts by display name (ties) and creation, both ways', async () => {
    const GRIDS = `query(${ARGS}, $order: GridOrder) { grids(${PAGING}, orderBy: $order) { nodes { id } ${PAGE_INFO} } }`;
    await expectWalks(
      GRIDS,
      { order: { field: 'NAME', direction: 'DESC' } },
      'grids',
      staff,
      2,
      await idsOf('SELECT id FROM grid ORDER BY name DESC, id DESC'),
    );
    const ACCOUNTS = `query(${ARGS}, $order: AccountOrder) { accounts(${PAGING}, orderBy: $order) { nodes { id } ${PAGE_INFO} } }`;
    for (const direction of ['ASC', 'DESC'] as const) {
      const byName = await idsOf(
        `SELECT id FROM account ORDER BY display_name ${direction}, id ${direction}`,
      );
      await expectWalks(
        ACCOUNTS,
        { order: { field: 'DISPLAY_NAME', direction } },
        'accounts',
        admin,
        2,
        byName,
      );
      const byCreation = await idsOf(
        `SELECT id FROM account ORDER BY created_at ${direction}, id ${direction}`,
      );
      await expectWalks(
        ACCOUNTS,
        { order: { field: 'CREATED', direction } },
        'accounts',
        admin,
        3,
        byCreation,
      );
    }
    // Without orderBy: by username, as before.
    await expectWalks(
      ACCOUNTS,
      {},
      'accounts',
      admin,
      4,
      await idsOf('SELECT id FROM account ORDER BY username'),
    );
  });

  it('refuses a cursor of another order as BAD_USER_INPUT, also on the original path of an owner list', async () => {
    type Page = { chiefs: { pageInfo: { endCursor: string } } | null };
    const byName = await gqlRequest<Page>(graphql, CHIEFS, { first: 1, order: { field: 'NAME' } }, staff);
    const cursor = byName.data!.chiefs!.pageInfo.endCursor;
    const other = await gqlRequest<Page>(
      graphql,
      CHIEFS,
      { first: 1, after: cursor, order: { field: 'APPOINTED' } },
      staff,
    );
    expect(errorCodes(other)).toEqual(['BAD_USER_INPUT']);
    expect(other.errors?.[0]?.extensions?.['field']).toBe('after');
    const [community] = await idsOf(`SELECT id FROM place WHERE kind = 'COMMUNITY' LIMIT 1`);
    const STREETS = `query($after: String, $community: ID, $order: PlaceOrder) {
      streets(first: 2, after: $after, communityId: $community, orderBy: $order) { nodes { id } pageInfo { endCursor } } }`;
    const named = await gqlRequest<{ streets: { pageInfo: { endCursor: string } } }>(
      graphql,
      STREETS,
      { community, order: { field: 'NAME' } },
      staff,
    );
    const res = await gqlRequest(
      graphql,
      STREETS,
      { community, after: named.data!.streets.pageInfo.endCursor },
      staff,
    );
    expect(errorCodes(res)).toEqual(['BAD_USER_INPUT']);
  });

  it.each([
    [
      'chiefs by name',
      'ix_street_chief_order_name',
      "SELECT id FROM street_chief WHERE status = 'APPOINTED' ORDER BY name, id LIMIT 21",
    ],
    [
      'chiefs by appointment, backward',
      'ix_street_chief_order_appointed',
      "SELECT id FROM street_chief WHERE status = 'APPOINTED' ORDER BY term_start DESC, id DESC LIMIT 21",
    ],
    [
      'streets by name',
      'ix_place_order_name',
      "SELECT id FROM place WHERE kind = 'STREET' AND status = 'ACTIVE' ORDER BY name, id LIMIT 21",
    ],
    [
      'a community’s streets by name',
      'ix_place_community_order_name',
      "SELECT id FROM place WHERE kind = 'STREET' AND community_id = 'c' AND status = 'ACTIVE' ORDER BY name, id LIMIT 21",
    ],
    [
      'a resident group’s streets by name',
      'ix_place_parent_order_name',
      "SELECT id FROM place WHERE kind = 'STREET' AND parent_id = 'g' AND status = 'ACTIVE' ORDER BY name, id LIMIT 21",
    ],
    ['grids by name', 'ix_grid_order_name', 'SELECT id FROM grid ORDER BY name DESC, id DESC LIMIT 21'],
    [
      'accounts by display name',
      'ix_account_order_display_name',
      'SELECT id FROM account ORDER BY display_name, id LIMIT 21',
    ],
    [
      'accounts by creation',
      'ix_account_order_created',
      'SELECT id FROM account ORDER BY created_at DESC, id DESC LIMIT 21',
    ],
  ])('reads %s from its index, without sorting', async (_, index, sql) => {
    const plan: { key: string | null; possible_keys: string | null; Extra: string | null }[] =
      await roster.dataSource.query(`EXPLAIN ${sql}`);
    // Small tables: the optimizer may prefer a scan today; the index must at least be there to choose.
    const [present] = (await roster.dataSource.query(
      'SELECT COUNT(*) AS n FROM information_schema.statistics WHERE table_schema = DATABASE() AND index_name = ?',
      [index],
    )) as { n: string }[];
    expect(Number(present?.n)).toBeGreaterThan(0);
    if (plan[0]?.key === index) expect(plan[0]?.Extra ?? '').not.toMatch(/filesort/);
  });
});
