import { gqlRequest } from '@sc/testing';
import { startStack, type Stack } from './stack';

interface Tally {
  residents: number;
  households: number;
  units: number;
}

interface GridPage {
  grid: {
    name: string;
    counts: Tally | null;
    streets: { nodes: { id: string; counts: Tally | null; courtyards: { totalCount: number } }[] };
    own: { totalCount: number };
    all: { totalCount: number; nodes: { id: string; street: { id: string } }[] };
  } | null;
}

/** A chief's grid page (issue 15 §4): one query, counts from people, courtyards from the roster. */
const GRID_PAGE = `query GridPage($id: ID!) {
  grid(id: $id) {
    name
    counts { residents households units }
    streets(first: 100) { nodes { id counts { residents households units } courtyards(first: 0) { totalCount } } }
    own: courtyards(first: 100) { totalCount }
    all: courtyards(first: 100, include: ALL) { totalCount nodes { id street { id } } }
  }
}`;

describe('the views a chief needs, in one query through the gateway [starts: every service on MariaDB, gateway; needs: MariaDB, Kafka]', () => {
  let stack: Stack;
  let gridId: string;
  let chief: string;

  beforeAll(async () => {
    stack = await startStack('chief_views', { people: { PEOPLE_SEED_DEMO: 'true' } });
    const grids = await gqlRequest<{ grids: { nodes: { id: string }[] } }>(
      stack.gatewayUrl,
      '{ grids(first: 1) { nodes { id } } }',
    );
    gridId = grids.data!.grids.nodes[0]!.id;
    chief = stack.tokens.mint(['STREET_CHIEF'], { scopes: [`grid:${gridId}`] });
  }, 180_000);
  afterAll(async () => {
    await stack?.stop();
  });

  it("answers a grid page with people's counts on the grid and its streets and every courtyard, in one query", async () => {
    // The people service learns the grid from the roster's events: until then the grid's counts are null.
    let page = await gqlRequest<GridPage>(stack.gatewayUrl, GRID_PAGE, { id: gridId }, chief);
    for (let i = 0; i < 300 && page.data?.grid?.counts === null; i++) {
      await new Promise((r) => setTimeout(r, 200));
      page = await gqlRequest<GridPage>(stack.gatewayUrl, GRID_PAGE, { id: gridId }, chief);
    }
    expect(page.errors).toBeUndefined();
    const grid = page.data!.grid!;
    const stats = await gqlRequest<{ populationStats: { residents: number; households: number } }>(
      stack.gatewayUrl,
      'query($g: ID) { populationStats(scope: { gridId: $g }) { residents households } }',
      { g: gridId },
      chief,
    );
    expect(grid.counts).toMatchObject(stats.data!.populationStats);
    expect(grid.counts!.residents).toBeGreaterThan(0);
    expect(grid.counts!.units).toBeGreaterThan(0);
    // A demo grid holds whole streets only: the grid's counts are its streets' counts added up.
    expect(grid.own.totalCount).toBe(0);
    const sum = (key: keyof Tally) => grid.streets.nodes.reduce((n, s) => n + s.counts![key], 0);
    expect(grid.counts).toEqual({
      residents: sum('residents'),
      households: sum('households'),
      units: sum('units'),
    });
    // include: ALL lists the courtyards of the grid's streets, which OWN leaves out.
    const streetIds = new Set(grid.streets.nodes.map((s) => s.id));
    expect(grid.all.totalCount).toBe(grid.streets.nodes.reduce((n, s) => n + s.courtyards.totalCount, 0));
    expect(grid.all.totalCount).toBeGreaterThan(0);
    expect(grid.all.nodes.every((c) => streetIds.has(c.street.id))).toBe(true);
  });

  it('gives the public the same page with null counts and no error', async () => {
    const page = await gqlRequest<GridPage>(stack.gatewayUrl, GRID_PAGE, { id: gridId });
    expect(page.errors).toBeUndefined();
    expect(page.data!.grid!.counts).toBeNull();
    expect(page.data!.grid!.streets.nodes.every((s) => s.counts === null)).toBe(true);
    expect(page.data!.grid!.all.totalCount).toBeGreaterThan(0);
  });
});
