import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadOrCreateDevSigningKey, StaticKeyResolver } from '@sc/auth';
import { createLogger } from '@sc/config';
import { demoPopulation, stableId } from '@sc/demo';
import {
  freshMysqlDatabase,
  gqlRequest,
  TEST_KAFKA_BROKERS,
  TEST_LOG_LEVEL,
  tokenMinter,
  type TestDatabase,
} from '@sc/testing';
import { GridPlace } from '@sc/roster-contracts';
import { StatsRepository } from './repositories/stats.repository';
import { checkPlaceCounts } from './spec-helpers';
import { people as peopleService, type RunningPeople } from './people.service';

describe('people on the real database [starts: people subgraph on MariaDB with the demo population; needs: MariaDB, Kafka]', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sc-people-mysql-'));
  let db: TestDatabase;
  let people: RunningPeople;
  let startMs = 0;

  beforeAll(async () => {
    db = await freshMysqlDatabase('people_mysql');
    const env = {
      NODE_ENV: 'test',
      DATA_DIR: dir,
      PEOPLE_HOST: '127.0.0.1',
      PEOPLE_PORT: '0',
      PEOPLE_DATABASE_URL: db.url,
      KAFKA_BROKERS: TEST_KAFKA_BROKERS.join(','),
      PEOPLE_GRID_CONSUMER_GROUP: `people.roster-grids.${db.name}`,
      PEOPLE_SEED_DEMO: 'true',
    };
    const started = Date.now();
    people = await peopleService.start({
      env: env,
      logger: createLogger({ service: 'test', level: TEST_LOG_LEVEL }),
      keyResolver: new StaticKeyResolver([loadOrCreateDevSigningKey(dir)]),
    });
    startMs = Date.now() - started;
  }, 120_000);
  afterAll(async () => {
    await people?.close();
    await db?.drop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  // How long this takes is not asserted (timings belong in tools/bench); the start must finish at all.
  it('migrates and seeds 11,000 residents', async () => {
    process.stderr.write(`people on MariaDB: migrations + demo seed + start in ${startMs} ms\n`);
    const rows = (await people.dataSource.query('SELECT COUNT(*) AS n FROM resident')) as { n: string }[];
    expect(Number(rows[0]?.n)).toBe(11_000);
  });

  it('counts migrants by origin and street in SQL, matching the generated population', async () => {
    const demo = demoPopulation();
    const expected: Record<string, number> = {};
    for (const r of demo.residents)
      if (r.category !== 'REGISTERED') expected[r.origin] = (expected[r.origin] ?? 0) + 1;
    const token = tokenMinter(dir).mint(['COUNTY_VIEWER']);
    const res = await gqlRequest<{
      populationStats: { migrantsByOrigin: { origin: string; count: number }[] };
      street: { residents: number; households: number };
    }>(
      `${people.url}/graphql`,
      `query($s: ID) { populationStats { migrantsByOrigin { origin count } }
        street: populationStats(scope: { streetId: $s }) { residents households } }`,
      { s: stableId('street:正街') },
      token,
    );
    expect(res.errors).toBeUndefined();
    expect(
      Object.fromEntries(res.data!.populationStats.migrantsByOrigin.map((o) => [o.origin, o.count])),
    ).toEqual(expected);
    expect(res.data?.street.residents).toBeGreaterThan(0);
    expect(res.data?.street.households).toBeGreaterThan(0);
  });

  it('counts residents, households and units on Street and Grid on MariaDB, one statement per type (issue 15 §4)', async () => {
    const tokens = tokenMinter(dir);
    await checkPlaceCounts(`${people.url}/graphql`, people.dataSource, {
      reader: tokens.mint(['COUNTY_VIEWER']),
      resident: tokens.mint(['RESIDENT'], { scopes: [`resident:${stableId('resident:1')}`] }),
    });
  });

  it("pages a unit's visits on MariaDB: ranked first pages, then the rows after a cursor", async () => {
    const staff = tokenMinter(dir).mint(['COMMUNITY_STAFF'], { scopes: ['community:caichang'] });
    const graphql = `${people.url}/graphql`;
    const units = await gqlRequest<{ units: { nodes: { id: string }[] } }>(
      graphql,
      '{ units(first: 1) { nodes { id } } }',
      {},
      staff,
    );
    const unitId = units.data!.units.nodes[0]!.id;
    for (const notes of ['一', '二', '三']) {
      const res = await gqlRequest(
        graphql,
        'mutation($i: RecordInspectionInput!) { recordUnitInspection(input: $i) { id } }',
        { i: { unitId, result: 'PASSED', hazards: 0, notes } },
        staff,
      );
      expect(res.errors).toBeUndefined();
    }
    type Visits = {
      unit: {
        inspections: { totalCount: number; nodes: { notes: string }[]; pageInfo: { endCursor: string } };
      };
    };
    const PAGE = `query($id: ID!, $after: String) { unit(id: $id) {
      inspections(first: 2, after: $after) { totalCount nodes { notes } pageInfo { endCursor } } } }`;
    const first = await gqlRequest<Visits>(graphql, PAGE, { id: unitId }, staff);
    expect(first.errors).toBeUndefined();
    expect(first.data?.unit.inspections.totalCount).toBe(3);
    expect(first.data?.unit.inspections.nodes).toEqual([{ notes: '三' }, { notes: '二' }]);
    const after = first.data!.unit.inspections.pageInfo.endCursor;
    const second = await gqlRequest<Visits>(graphql, PAGE, { id: unitId, after }, staff);
    expect(second.errors).toBeUndefined();
    expect(second.data?.unit.inspections.nodes).toEqual([{ notes: '一' }]);
  });

  it.each([
    [
      'counts by category',
      "SELECT category, COUNT(*) FROM resident WHERE status = 'ACTIVE' GROUP BY category",
    ],
    [
      'counts by street',
      "SELECT street_id, COUNT(*) FROM resident WHERE status = 'ACTIVE' AND street_id = 'x' GROUP BY street_id",
    ],
    ['the name prefix search', "SELECT id FROM resident WHERE name LIKE '王%' ORDER BY id LIMIT 21"],
    ['the ID number lookup', 'SELECT id FROM resident WHERE id_number_bidx = ?'],
  ])('answers %s from an index', async (_, sql) => {
    // A value that exists: for a missing one MariaDB's plan says "impossible WHERE" and names no key.
    const [row] = (await people.dataSource.query('SELECT id_number_bidx AS b FROM resident LIMIT 1')) as {
      b: string;
    }[];
    const plan: { key: string | null; type: string }[] = await people.dataSource.query(
      `EXPLAIN ${sql}`,
      sql.includes('?') ? [row?.b] : [],
    );
    expect(plan[0]?.key).toBeTruthy();
    expect(plan[0]?.type).not.toBe('ALL');
  });

  it('reads Street.counts and Grid.counts from indexes: every record table of the plans by a key (issue 15 §4)', async () => {
    const ds = people.dataSource;
    const streets = [stableId('street:正街'), stableId('street:新街')];
    const gridId = stableId('grid:explain-spec');
    await ds.getRepository(GridPlace).delete({ gridId });
    await ds.getRepository(GridPlace).insert([
      { gridId, placeId: streets[0]!, kind: 'STREET' },
      { gridId, placeId: stableId('courtyard:新街:新街东院'), kind: 'COURTYARD' },
    ]);
    // The statements the repository runs, as it runs them.
    const statements: [string, unknown[]][] = [];
    const query = ds.query.bind(ds);
    const spy = jest.spyOn(ds, 'query').mockImplementation((sql: string, params?: unknown[]) => {
      statements.push([sql, params ?? []]);
      return query(sql, params);
    });
    try {
      const stats = new StatsRepository(ds);
      await stats.byStreets(streets);
      await stats.byGrids([gridId]);
    } finally {
      spy.mockRestore();
    }
    const counting = statements.filter(([sql]) => sql.includes('COUNT(*)'));
    expect(counting).toHaveLength(2);
    for (const [sql, params] of counting) {
      const plan: { table: string; key: string | null; type: string }[] = await ds.query(
        `EXPLAIN ${sql}`,
        params,
      );
      const records = plan.filter((row) => !row.table.startsWith('<') && row.table !== 'gp');
      expect(records.length).toBeGreaterThanOrEqual(3);
      for (const row of records) {
        expect({ table: row.table, key: row.key, full: row.type === 'ALL' }).toEqual({
          table: row.table,
          key: expect.any(String),
          full: false,
        });
      }
    }
  });
});
