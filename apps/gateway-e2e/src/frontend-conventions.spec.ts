import { errorCodes, gqlRequest, type GraphQLResponse } from '@sc/testing';
import { startStack, type Stack } from './stack';

interface Page {
  nodes: { id: string; name?: string }[];
  pageInfo: {
    hasNextPage: boolean;
    hasPreviousPage: boolean;
    startCursor: string | null;
    endCursor: string | null;
  };
  totalCount?: number;
}

const PAGE = 'nodes { id } pageInfo { hasNextPage hasPreviousPage startCursor endCursor }';

/**
 * Walks a connection to its end forward (first/after) and to its start backward (last/before),
 * through the gateway; `pick` finds the connection in the answer.
 */
async function walk(
  stack: Stack,
  token: string,
  query: (args: string) => string,
  pick: (data: Record<string, unknown>) => Page,
  size: number,
): Promise<{ forward: string[]; backward: string[] }> {
  const run = async (args: string) => {
    const res = await gqlRequest<Record<string, unknown>>(stack.gatewayUrl, query(args), {}, token);
    expect(res.errors).toBeUndefined();
    return pick(res.data!);
  };
  const forward: string[] = [];
  let page = await run(`first: ${size}`);
  forward.push(...page.nodes.map((n) => n.id));
  while (page.pageInfo.hasNextPage) {
    page = await run(`first: ${size}, after: "${page.pageInfo.endCursor}"`);
    expect(page.pageInfo.hasPreviousPage).toBe(true);
    forward.push(...page.nodes.map((n) => n.id));
  }
  const backward: string[] = [];
  page = await run(`last: ${size}`);
  expect(page.pageInfo.hasNextPage).toBe(false);
  backward.unshift(...page.nodes.map((n) => n.id));
  while (page.pageInfo.hasPreviousPage) {
    page = await run(`last: ${size}, before: "${page.pageInfo.startCursor}"`);
    expect(page.pageInfo.hasNextPage).toBe(true);
    backward.unshift(...page.nodes.map((n) => n.id));
  }
  return { forward, backward };
}

describe('conventions a frontend builds on, through the gateway [starts: every service on MariaDB, gateway; needs: MariaDB, Kafka]', () => {
  let stack: Stack;
  let admin: string;
  let staff: string;

  beforeAll(async () => {
    stack = await startStack('frontend_conv', { people: { PEOPLE_SEED_DEMO: 'true' } });
    admin = stack.tokens.mint(['ADMIN']);
    staff = stack.tokens.mint(['COMMUNITY_STAFF'], { scopes: ['community:caichang'] });
  }, 180_000);
  afterAll(async () => {
    await stack?.stop();
  });

  it('one refused argument nulls its own root field only: the others keep their data (partial data)', async () => {
    const res = await gqlRequest<{ grids: unknown; communities: { totalCount: number } | null }>(
      stack.gatewayUrl,
      '{ grids(first: 101) { totalCount } communities(first: 1) { totalCount } }',
    );
    expect(res.status).toBe(200);
    expect(res.data!.grids).toBeNull();
    expect(res.data!.communities!.totalCount).toBeGreaterThan(0);
    expect(res.errors).toHaveLength(1);
    expect(res.errors![0]).toMatchObject({
      path: ['grids'],
      extensions: { code: 'BAD_USER_INPUT', field: 'first', serviceName: 'roster' },
    });
    // Across subgraphs too: a refused page of people leaves the roster's answer.
    const mixed = await gqlRequest<{ residents: unknown; grids: { totalCount: number } | null }>(
      stack.gatewayUrl,
      '{ residents(first: 1, after: "abc") { totalCount } grids(first: 1) { totalCount } }',
      {},
      staff,
    );
    expect(mixed.data!.residents).toBeNull();
    expect(mixed.data!.grids!.totalCount).toBeGreaterThan(0);
    expect(mixed.errors![0]!.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'after',
      serviceName: 'people',
    });
  });

  it("the gateway's own errors name the field and the gateway", async () => {
    const res = await gqlRequest(
      stack.gatewayUrl,
      'mutation R($i: RenamePlaceInput!) { renameCourtyard(input: $i) { id } }',
      { i: { id: '00000000-0000-4000-8000-000000000000' } },
      admin,
    );
    expect(res.status).toBe(400);
    expect(res.errors![0]!.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'i.name',
      serviceName: 'gateway',
    });
    const blank = await gqlRequest(
      stack.gatewayUrl,
      'mutation R($i: RenamePlaceInput!) { renameCourtyard(input: $i) { id } }',
      { i: { id: '00000000-0000-4000-8000-000000000000', name: '   ' } },
      admin,
    );
    // One issue for a blank name: no second "control characters" complaint.
    expect(blank.errors![0]!.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'input.name',
      issues: [{ field: 'input.name', message: 'must not be empty' }],
      serviceName: 'roster',
    });
  });

  it('pages backward (last/before) to the same list as forward: roster top-level, roster child list, people', async () => {
    const streets = await walk(
      stack,
      admin,
      (a) => `{ streets(${a}) { ${PAGE} } }`,
      (d) => d['streets'] as Page,
      4,
    );
    expect(streets.forward.length).toBeGreaterThan(4);
    expect(streets.backward).toEqual(streets.forward);

    const communityStreets = await walk(
      stack,
      admin,
      (a) => `{ community(code: "caichang") { streets(${a}) { ${PAGE} } } }`,
      (d) => (d['community'] as { streets: Page }).streets,
      3,
    );
    expect(communityStreets.forward.length).toBeGreaterThan(3);
    expect(communityStreets.backward).toEqual(communityStreets.forward);

    // People: the residents of one courtyard (about 150 in the demo population), 40 a page.
    const where = await gqlRequest<{ streets: { nodes: { courtyards: { nodes: { id: string }[] } }[] } }>(
      stack.gatewayUrl,
      '{ streets(first: 1) { nodes { courtyards(first: 1) { nodes { id } } } } }',
    );
    const courtyardId = where.data!.streets.nodes[0]!.courtyards.nodes[0]!.id;
    const residents = await walk(
      stack,
      staff,
      (a) => `{ residents(${a}, filter: { courtyardId: "${courtyardId}" }) { ${PAGE} } }`,
      (d) => d['residents'] as Page,
      40,
    );
    expect(residents.forward.length).toBeGreaterThan(40);
    expect(residents.backward).toEqual(residents.forward);
  });

  it('a cursor the server did not issue, or paging both ways at once, is BAD_USER_INPUT naming the argument', async () => {
    const cases: [string, string][] = [
      ['{ streets(last: 2, before: "abc") { totalCount } }', 'before'],
      ['{ streets(first: 2, after: "zz") { totalCount } }', 'after'],
      ['{ streets(first: 2, last: 2) { totalCount } }', 'first'],
      ['{ streets(last: 101) { totalCount } }', 'last'],
    ];
    for (const [query, field] of cases) {
      const res: GraphQLResponse = await gqlRequest(stack.gatewayUrl, query);
      expect(errorCodes(res)).toEqual(['BAD_USER_INPUT']);
      expect(res.errors![0]!.extensions).toMatchObject({ field, serviceName: 'roster' });
      expect(res.data).toEqual({ streets: null });
    }
  });

  it("populationStats(scope: { gridId }) counts a grid's streets and own courtyards (a chief's dashboard)", async () => {
    const chief = stack.tokens.mint(['STREET_CHIEF'], { scopes: [] });
    const grids = await gqlRequest<{
      grids: {
        nodes: {
          id: string;
          streets: { nodes: { id: string }[] };
          courtyards: { nodes: { id: string }[] };
        }[];
      };
    }>(
      stack.gatewayUrl,
      '{ grids(first: 1) { nodes { id streets(first: 100) { nodes { id } } courtyards(first: 100) { nodes { id } } } } }',
    );
    const grid = grids.data!.grids.nodes[0]!;
    const q = 'query($s: StatsScope) { populationStats(scope: $s) { residents households } }';
    type Stats = { populationStats: { residents: number; households: number } | null };
    // The people service learns grids from the roster's events: wait until it knows this one.
    let byGrid = await gqlRequest<Stats>(stack.gatewayUrl, q, { s: { gridId: grid.id } }, chief);
    for (let i = 0; i < 300 && errorCodes(byGrid).includes('NOT_FOUND'); i++) {
      await new Promise((r) => setTimeout(r, 200));
      byGrid = await gqlRequest<Stats>(stack.gatewayUrl, q, { s: { gridId: grid.id } }, chief);
    }
    expect(byGrid.errors).toBeUndefined();
    let residents = 0;
    let households = 0;
    const parts = [
      ...grid.streets.nodes.map((s) => ({ streetId: s.id })),
      ...grid.courtyards.nodes.map((c) => ({ courtyardId: c.id })),
    ];
    for (const part of parts) {
      const res = await gqlRequest<Stats>(stack.gatewayUrl, q, { s: part }, chief);
      residents += res.data!.populationStats!.residents;
      households += res.data!.populationStats!.households;
    }
    expect(residents).toBeGreaterThan(0);
    expect(byGrid.data!.populationStats).toEqual({ residents, households });
    const all = await gqlRequest<Stats>(stack.gatewayUrl, q, {}, chief);
    expect(all.data!.populationStats!.residents).toBeGreaterThan(residents);

    const unknown = await gqlRequest<Stats>(
      stack.gatewayUrl,
      q,
      { s: { gridId: '00000000-0000-4000-8000-000000000000' } },
      chief,
    );
    expect(errorCodes(unknown)).toEqual(['NOT_FOUND']);
    expect(unknown.errors![0]!.extensions).toMatchObject({ field: 'scope.gridId', serviceName: 'people' });
  });

  it('signboard entries carry the ids of their streets and courtyards, in the order of the names', async () => {
    const res = await gqlRequest<{
      signboard: {
        content: { entries: { streets: string[]; streetIds: string[]; courtyardIds: string[] }[] };
      };
    }>(
      stack.gatewayUrl,
      '{ signboard(code: "CC-SB-05") { content { entries { streets streetIds courtyardIds } } } }',
    );
    expect(res.errors).toBeUndefined();
    const entries = res.data!.signboard.content.entries;
    expect(entries.length).toBeGreaterThan(0);
    for (const e of entries) {
      expect(e.streetIds).toHaveLength(e.streets.length);
      const names: string[] = [];
      for (const id of e.streetIds) {
        const street = await gqlRequest<{ street: { name: string } | null }>(
          stack.gatewayUrl,
          'query($id: ID!) { street(id: $id) { name } }',
          { id },
        );
        names.push(street.data!.street!.name);
      }
      expect(names).toEqual(e.streets);
    }
  });
});
