import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadOrCreateDevSigningKey, StaticKeyResolver } from '@sc/auth';
import { createLogger } from '@sc/config';
import { stableId } from '@sc/demo';
import {
  errorCodes,
  freshMysqlDatabase,
  gqlRequest,
  TEST_KAFKA_BROKERS,
  TEST_LOG_LEVEL,
  tokenMinter,
  type TestDatabase,
  walkConnection,
} from '@sc/testing';
import { people as peopleService, type RunningPeople } from './people.service';

const RESIDENTS = `query($first: Int, $after: String, $last: Int, $before: String, $street: ID, $order: ResidentOrder) {
  residents(first: $first, after: $after, last: $last, before: $before, filter: { streetId: $street }, orderBy: $order) {
    nodes { id } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }`;

describe('people lists under orderBy [starts: people subgraph on MariaDB with the demo population; needs: MariaDB, Kafka]', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sc-people-order-'));
  let db: TestDatabase;
  let people: RunningPeople;
  let staff: string;
  let graphql: string;
  const street = stableId('street:正街');

  beforeAll(async () => {
    db = await freshMysqlDatabase('people_order');
    people = await peopleService.start({
      env: {
        NODE_ENV: 'test',
        DATA_DIR: dir,
        PEOPLE_HOST: '127.0.0.1',
        PEOPLE_PORT: '0',
        PEOPLE_DATABASE_URL: db.url,
        KAFKA_BROKERS: TEST_KAFKA_BROKERS.join(','),
        PEOPLE_GRID_CONSUMER_GROUP: `people.roster-grids.${db.name}`,
        PEOPLE_SEED_DEMO: 'true',
      },
      logger: createLogger({ service: 'test', level: TEST_LOG_LEVEL }),
      keyResolver: new StaticKeyResolver([loadOrCreateDevSigningKey(dir)]),
    });
    staff = tokenMinter(dir).mint(['COMMUNITY_STAFF'], { scopes: ['community:caichang'] });
    graphql = `${people.url}/graphql`;
  }, 120_000);
  afterAll(async () => {
    await people?.close();
    await db?.drop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** The ids of a query, as the database orders them (the order a client is promised). */
  const idsOf = async (sql: string, params: unknown[] = []) =>
    ((await people.dataSource.query(sql, params)) as { id: string }[]).map((r) => r.id);

  const walk = (query: string, vars: Record<string, unknown>, pick: string, size: number) => ({
    url: graphql,
    query,
    vars,
    token: staff,
    size,
    pick: (d: Record<string, unknown>) => d[pick],
  });

  it.each([
    ['NAME', 'ASC', 'name ASC, id ASC'],
    ['NAME', 'DESC', 'name DESC, id DESC'],
    ['MOVED_IN', 'ASC', 'moved_in_at ASC, id ASC'],
    ['MOVED_IN', 'DESC', 'moved_in_at DESC, id DESC'],
  ])(
    'residents by %s %s: forward and backward walks give every resident once, in order, ties by id',
    async (field, direction, sql) => {
      const expected = await idsOf(
        `SELECT id FROM resident WHERE status = 'ACTIVE' AND street_id = ? ORDER BY ${sql}`,
        [street],
      );
      expect(expected.length).toBeGreaterThan(200);
      const w = walk(RESIDENTS, { street, order: { field, direction } }, 'residents', 37);
      const forward = await walkConnection<{ id: string }>(w, 'forward');
      expect(forward.map((r) => r.id)).toEqual(expected);
      const backward = await walkConnection<{ id: string }>({ ...w, size: 41 }, 'backward');
      expect(backward.map((r) => r.id)).toEqual(expected);
    },
  );

  it('pages through residents of the same name one at a time, both ways: the id breaks the tie', async () => {
    const [dup] = (await people.dataSource.query(
      `SELECT name, COUNT(*) AS n FROM resident WHERE status = 'ACTIVE' GROUP BY name HAVING COUNT(*) > 2 ORDER BY n DESC LIMIT 1`,
    )) as { name: string; n: string }[];
    expect(Number(dup?.n)).toBeGreaterThan(2);
    const QUERY = RESIDENTS.replace(
      'filter: { streetId: $street }',
      'filter: { namePrefix: $prefix }',
    ).replace('$street: ID', '$prefix: String');
    for (const direction of ['ASC', 'DESC'] as const) {
      const expected = await idsOf(
        `SELECT id FROM resident WHERE status = 'ACTIVE' AND name LIKE ? ORDER BY name ${direction}, id ${direction}`,
        [`${dup!.name}%`],
      );
      const w = walk(QUERY, { prefix: dup!.name, order: { field: 'NAME', direction } }, 'residents', 1);
      expect((await walkConnection<{ id: string }>(w, 'forward')).map((r) => r.id)).toEqual(expected);
      expect((await walkConnection<{ id: string }>(w, 'backward')).map((r) => r.id)).toEqual(expected);
    }
  });

  it('keeps the original order and its cursors without orderBy', async () => {
    const expected = await idsOf(
      `SELECT id FROM resident WHERE status = 'ACTIVE' AND street_id = ? ORDER BY id`,
      [street],
    );
    const forward = await walkConnection<{ id: string }>(
      walk(RESIDENTS, { street }, 'residents', 100),
      'forward',
    );
    expect(forward.map((r) => r.id)).toEqual(expected);
  });

  it('refuses a cursor of another order as BAD_USER_INPUT naming after or before', async () => {
    type Page = { residents: { pageInfo: { endCursor: string; startCursor: string } } | null };
    const byName = await gqlRequest<Page>(graphql, RESIDENTS, { first: 2, order: { field: 'NAME' } }, staff);
    const original = await gqlRequest<Page>(graphql, RESIDENTS, { first: 2 }, staff);
    const nameCursor = byName.data!.residents!.pageInfo.endCursor;
    const idCursor = original.data!.residents!.pageInfo.endCursor;
    for (const [vars, field] of [
      [{ first: 2, after: nameCursor, order: { field: 'MOVED_IN' } }, 'after'],
      [{ first: 2, after: nameCursor, order: { field: 'NAME', direction: 'DESC' } }, 'after'],
      [{ first: 2, after: nameCursor }, 'after'],
      [{ last: 2, before: idCursor, order: { field: 'NAME' } }, 'before'],
    ] as const) {
      const res = await gqlRequest<Page>(graphql, RESIDENTS, vars, staff);
      expect(errorCodes(res)).toEqual(['BAD_USER_INPUT']);
      expect(res.errors?.[0]?.extensions?.['field']).toBe(field);
      expect(res.data?.residents).toBeNull();
    }
    // The cursor under its own order pages on.
    const next = await gqlRequest<Page>(
      graphql,
      RESIDENTS,
      { first: 2, after: nameCursor, order: { field: 'NAME' } },
      staff,
    );
    expect(next.errors).toBeUndefined();
  });

  it('households by entry date and units by name walk both ways in the database order', async () => {
    const HOUSEHOLDS = `query($first: Int, $after: String, $last: Int, $before: String, $street: ID, $order: HouseholdOrder) {
      households(first: $first, after: $after, last: $last, before: $before, filter: { streetId: $street }, orderBy: $order) {
        nodes { id } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }`;
    for (const direction of ['ASC', 'DESC'] as const) {
      const expected = await idsOf(
        `SELECT id FROM household WHERE status = 'ACTIVE' AND street_id = ? ORDER BY entry_date ${direction}, id ${direction}`,
        [street],
      );
      expect(expected.length).toBeGreaterThan(50);
      const w = walk(HOUSEHOLDS, { street, order: { field: 'ENTRY_DATE', direction } }, 'households', 29);
      expect((await walkConnection<{ id: string }>(w, 'forward')).map((h) => h.id)).toEqual(expected);
      expect((await walkConnection<{ id: string }>(w, 'backward')).map((h) => h.id)).toEqual(expected);
    }
    const UNITS = `query($first: Int, $after: String, $last: Int, $before: String, $order: UnitOrder) {
      units(first: $first, after: $after, last: $last, before: $before, orderBy: $order) {
        nodes { id } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }`;
    const units = await idsOf(`SELECT id FROM real_unit WHERE status = 'ACTIVE' ORDER BY name DESC, id DESC`);
    expect(units.length).toBeGreaterThan(5);
    const w = walk(UNITS, { order: { field: 'NAME', direction: 'DESC' } }, 'units', 3);
    expect((await walkConnection<{ id: string }>(w, 'forward')).map((u) => u.id)).toEqual(units);
    expect((await walkConnection<{ id: string }>(w, 'backward')).map((u) => u.id)).toEqual(units);
  });

  it.each([
    [
      'residents by name',
      'ix_resident_order_name',
      "SELECT id FROM resident WHERE status = 'ACTIVE' AND (name > 'x' OR (name = 'x' AND id > 'y')) ORDER BY name, id LIMIT 21",
    ],
    [
      'residents by move-in date, backward',
      'ix_resident_order_moved_in',
      "SELECT id FROM resident WHERE status = 'ACTIVE' ORDER BY moved_in_at DESC, id DESC LIMIT 21",
    ],
    [
      'households by entry date',
      'ix_household_order_entry',
      "SELECT id FROM household WHERE status = 'ACTIVE' ORDER BY entry_date, id LIMIT 21",
    ],
    [
      'units by name',
      'ix_unit_order_name',
      "SELECT id FROM real_unit WHERE status = 'ACTIVE' ORDER BY name DESC, id DESC LIMIT 21",
    ],
  ])('reads %s from its index, without sorting', async (_, index, sql) => {
    const plan: { key: string | null; Extra: string | null }[] = await people.dataSource.query(
      `EXPLAIN ${sql}`,
    );
    expect(plan[0]?.key).toBe(index);
    expect(plan[0]?.Extra ?? '').not.toMatch(/filesort/);
  });
});
