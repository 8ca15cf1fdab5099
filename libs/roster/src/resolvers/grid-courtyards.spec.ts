import { buildSubgraphSchema } from '@apollo/subgraph';
import { graphql } from 'graphql';
import type { DataSource } from 'typeorm';
import type { RosterContext } from '../context';
import { RosterLoaders } from '../loaders';
import { RosterRepository } from '../repositories/roster.repository';
import { rosterTypeDefs } from '../schema';
import { demoGridId, stableId } from '../seed/caichang';
import { caller, ROSTER_DATABASES, type RosterServices } from '../services/spec-helpers';
import { resolvers } from '.';

const street = (name: string) => stableId(`street:${name}`);

interface Page {
  totalCount: number;
  nodes: { name: string }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

describe.each(ROSTER_DATABASES)('Grid.courtyards(include:) on %s', (_database, seeded) => {
  let ds: DataSource;
  let services: RosterServices;
  let close: () => Promise<void>;
  const schema = buildSubgraphSchema([{ typeDefs: rosterTypeDefs(), resolvers }]);

  beforeAll(async () => {
    ({ ds, services, close } = await seeded());
    // Grid 1 keeps 正街 and takes one courtyard of 新街 on its own (新街 itself leaves the grid).
    const yards = await ds.query(
      `SELECT id FROM place WHERE kind = 'COURTYARD' AND parent_id = ? ORDER BY sort_key`,
      [street('新街')],
    );
    await services.grids.setMembers(caller(['COMMUNITY_STAFF']), demoGridId(1), {
      streetIds: [street('正街')],
      courtyardIds: [String(yards[0].id)],
      reason: 'spec: a grid with a street and a courtyard on its own',
    });
  });
  afterAll(async () => close?.());

  const courtyards = async (gridId: string, args: string): Promise<Page> => {
    const context: Partial<RosterContext> = {
      principal: null,
      loaders: new RosterLoaders(ds, new RosterRepository(ds)),
      ...services,
    };
    const result = await graphql({
      schema,
      source: `query($id: ID!) { grid(id: $id) { courtyards(${args}) {
        totalCount nodes { name } pageInfo { hasNextPage endCursor } } } }`,
      variableValues: { id: gridId },
      contextValue: context,
    });
    expect(result.errors).toBeUndefined();
    return (result.data as { grid: { courtyards: Page } }).grid.courtyards;
  };

  it('lists only the courtyards on their own by default and with OWN', async () => {
    const own = await courtyards(demoGridId(1), 'first: 100');
    expect(own.nodes.map((n) => n.name)).toEqual(['新街东院']);
    expect(own.totalCount).toBe(1);
    expect(await courtyards(demoGridId(1), 'first: 100, include: OWN')).toEqual(own);
  });

  it("lists with ALL the grid's own courtyards and its streets' courtyards in one list, in official order", async () => {
    const all = await courtyards(demoGridId(1), 'first: 100, include: ALL');
    expect(all.nodes.map((n) => n.name)).toEqual([
      '正街一号院',
      '供销社院',
      '老邮局院',
      '粮站院',
      '新街东院',
    ]);
    expect(all.totalCount).toBe(5);
    // A grid with no courtyard of its own lists its streets' courtyards.
    const grid2 = await courtyards(demoGridId(2), 'first: 100, include: ALL');
    expect(grid2.totalCount).toBeGreaterThan(0);
    expect((await courtyards(demoGridId(2), 'first: 100')).totalCount).toBe(0);
  });

  it('pages the ALL list with cursors, without gaps or repeats', async () => {
    const names: string[] = [];
    let page = await courtyards(demoGridId(1), 'first: 2, include: ALL');
    names.push(...page.nodes.map((n) => n.name));
    while (page.pageInfo.hasNextPage) {
      page = await courtyards(demoGridId(1), `first: 2, after: "${page.pageInfo.endCursor}", include: ALL`);
      names.push(...page.nodes.map((n) => n.name));
    }
    expect(names).toEqual(['正街一号院', '供销社院', '老邮局院', '粮站院', '新街东院']);
  });
});
