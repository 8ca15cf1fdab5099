import { buildSubgraphSchema } from '@apollo/subgraph';
import { graphql } from 'graphql';
import type { DataSource } from 'typeorm';
import { BetterSqlite3QueryRunner } from 'typeorm/driver/better-sqlite3/BetterSqlite3QueryRunner';
import { MysqlQueryRunner } from 'typeorm/driver/mysql/MysqlQueryRunner';
import type { RosterContext } from '../context';
import { RosterLoaders } from '../loaders';
import { RosterRepository } from '../repositories/roster.repository';
import { rosterTypeDefs } from '../schema';
import { seededEmbeddedRoster, seededMysqlRoster, type RosterServices } from '../services/spec-helpers';
import { resolvers } from '.';

/** Every chief with grid, streets and courtyards, and every board with its content and place. */
const WIDE = `{
  chiefs(first: 20) { totalCount nodes { name phone badge resident { id }
    grid { name chief { badge } streets { totalCount nodes { name courtyards { totalCount nodes { name } } } } } } }
  signboards(first: 50) { totalCount nodes { code outOfDate place { ... on Street { name } ... on ResidentGroup { name } }
    content { title entries { gridName chiefName } } } }
  uncoveredStreets { totalCount }
}`;

// Statements are counted on the query runner of each database: MariaDB's (what production runs) and the
// embedded SQLite's.
describe.each([
  ['MariaDB [real: MariaDB]', seededMysqlRoster, MysqlQueryRunner.prototype],
  ['SQLite', seededEmbeddedRoster, BetterSqlite3QueryRunner.prototype],
] as const)('roster resolvers batch their reads (%s)', (_database, seeded, runner) => {
  let ds: DataSource;
  let services: RosterServices;
  let close: () => Promise<void>;

  beforeAll(async () => {
    ({ ds, services, close } = await seeded());
  });
  afterAll(async () => close?.());

  it('answers 10 chiefs × grids × streets × courtyards and 30 boards in a bounded number of statements', async () => {
    const schema = buildSubgraphSchema([{ typeDefs: rosterTypeDefs(), resolvers }]);
    const context: Partial<RosterContext> = {
      principal: null,
      loaders: new RosterLoaders(ds, new RosterRepository(ds)),
      ...services,
    };
    const spy = jest.spyOn(runner, 'query');
    try {
      const result = await graphql({ schema, source: WIDE, contextValue: context });
      expect(result.errors).toBeUndefined();
      const data = result.data as {
        chiefs: { nodes: { grid: { streets: { nodes: { courtyards: { totalCount: number } }[] } } }[] };
        signboards: { totalCount: number };
      };
      expect(data.chiefs.nodes).toHaveLength(10);
      const yards = data.chiefs.nodes
        .flatMap((c) => c.grid.streets.nodes)
        .reduce((n, s) => n + s.courtyards.totalCount, 0);
      expect(yards).toBe(72);
      expect(data.signboards.totalCount).toBe(30);
      // One statement per kind of lookup, not per chief, street or board (an N+1 would be 100+).
      expect(spy.mock.calls.length).toBeGreaterThan(0); // the spy sits on this database's runner
      expect(spy.mock.calls.length).toBeLessThanOrEqual(25);
    } finally {
      spy.mockRestore();
    }
  });
});
