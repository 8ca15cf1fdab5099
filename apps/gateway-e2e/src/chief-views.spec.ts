import { stableId } from '@sc/demo';
import { makeTestIdNumber } from '@sc/people';
import { DEMO_PASSWORD } from '@sc/roster';
import { errorCodes, gqlRequest } from '@sc/testing';
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

const STREET = stableId('street:文昌街');
/** A checksum-valid test ID number of region 511823 (汉源县), different per run and sequence. */
const run = Math.floor(Math.random() * 300);
const testIdNumber = (seq: number) =>
  makeTestIdNumber('511823', new Date(Date.UTC(1991, 0, 1 + run)).toISOString().slice(0, 10), seq, 'FEMALE');
const MOVE_IN = `mutation MoveIn($i: MoveInInput!) { moveIn(input: $i) {
  id address { building entrance unit } } }`;

describe('the views a chief needs, in one query through the gateway [starts: every service on MariaDB, gateway; needs: MariaDB, Kafka]', () => {
  let stack: Stack;
  let gridId: string;
  let chief: string;
  let staff: string;

  beforeAll(async () => {
    stack = await startStack('chief_views', { people: { PEOPLE_SEED_DEMO: 'true' } });
    const grids = await gqlRequest<{ grids: { nodes: { id: string }[] } }>(
      stack.gatewayUrl,
      '{ grids(first: 1) { nodes { id } } }',
    );
    gridId = grids.data!.grids.nodes[0]!.id;
    chief = stack.tokens.mint(['STREET_CHIEF'], { scopes: [`grid:${gridId}`] });
    staff = stack.tokens.mint(['COMMUNITY_STAFF'], { scopes: ['community:caichang'] });
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

  const moveIn = (seq: number, address: Record<string, string>, extra: Record<string, unknown> = {}) =>
    gqlRequest<{ moveIn: { id: string; address: Record<string, string> } }>(
      stack.gatewayUrl,
      MOVE_IN,
      {
        i: {
          idNumber: testIdNumber(seq),
          name: '测试住户',
          origin: '汉源县',
          category: 'MIGRANT_LONG_TERM',
          address: { streetId: STREET, building: '5', door: `${run}0${seq}`, ...address },
          newHousehold: { housing: 'RENTED' },
          ...extra,
        },
      },
      staff,
    );

  it('names the address part 单元 `entrance`; the deprecated `unit` still reads and writes the same part', async () => {
    const byEntrance = await moveIn(1, { entrance: '2' });
    expect(byEntrance.errors).toBeUndefined();
    expect(byEntrance.data!.moveIn.address).toEqual({ building: '5', entrance: '2', unit: '2' });
    const byUnit = await moveIn(2, { unit: '3' });
    expect(byUnit.errors).toBeUndefined();
    expect(byUnit.data!.moveIn.address).toEqual({ building: '5', entrance: '3', unit: '3' });
    const both = await moveIn(3, { entrance: '2', unit: '3' });
    expect(errorCodes(both)).toEqual(['BAD_USER_INPUT']);
    expect(both.errors![0]!.extensions).toMatchObject({
      field: 'input.address.entrance',
      serviceName: 'people',
    });
  });

  it("names a chief's transitions with ChiefAction enum values, equal to the deprecated strings", async () => {
    const officer = stack.tokens.mint(['TOWN_OFFICER'], { scopes: ['community:caichang'] });
    const res = await gqlRequest<{
      chiefs: { nodes: { transitions: { nodes: { action: string; actionType: string }[] } }[] };
    }>(
      stack.gatewayUrl,
      '{ chiefs(first: 10) { nodes { transitions(first: 20) { nodes { action actionType } } } } }',
      {},
      officer,
    );
    expect(res.errors).toBeUndefined();
    const actions = res.data!.chiefs.nodes.flatMap((c) => c.transitions.nodes);
    expect(actions.map((t) => t.actionType)).toEqual(actions.map((t) => t.action));
    expect(new Set(actions.map((t) => t.actionType))).toEqual(
      new Set(['NOMINATE', 'VET_PASS', 'FILE', 'APPOINT']),
    );
  });

  it('answers calendar dates as Date next to the deprecated strings, and takes Date inputs (issue 15 §4)', async () => {
    const moved = await gqlRequest<{
      moveIn: {
        movedInOn: string;
        movedInAt: string;
        household: { enteredOn: string; entryDate: string };
        moves: { nodes: { date: string; occurredOn: string }[] };
      };
    }>(
      stack.gatewayUrl,
      `mutation MoveIn($i: MoveInInput!) { moveIn(input: $i) { movedInOn movedInAt
        household { enteredOn entryDate } moves(first: 5) { nodes { date occurredOn } } } }`,
      {
        i: {
          idNumber: testIdNumber(4),
          name: '测试住户',
          origin: '汉源县',
          category: 'MIGRANT_LONG_TERM',
          address: { streetId: STREET, building: '6', entrance: '1', door: `${run}04` },
          newHousehold: { housing: 'RENTED' },
          movedInOn: '2026-03-01',
        },
      },
      staff,
    );
    expect(moved.errors).toBeUndefined();
    expect(moved.data!.moveIn).toEqual({
      movedInOn: '2026-03-01',
      movedInAt: '2026-03-01',
      // A household founded at move-in comes on the day of the move.
      household: { enteredOn: '2026-03-01', entryDate: '2026-03-01' },
      moves: { nodes: [{ date: '2026-03-01', occurredOn: '2026-03-01' }] },
    });

    // A day that does not exist is the client's error, naming nothing it did not send.
    const bad = await moveIn(5, { entrance: '1' }, { movedInOn: '2026-02-30' });
    expect(errorCodes(bad)).toEqual(['BAD_USER_INPUT']);
    expect(JSON.stringify(bad.errors)).not.toContain('stack');

    const calendar = await gqlRequest<{ workCalendar: { day: string; date: string }[] }>(
      stack.gatewayUrl,
      '{ workCalendar(year: 2026) { day date } }',
    );
    expect(calendar.errors).toBeUndefined();
    expect(calendar.data!.workCalendar.length).toBeGreaterThan(0);
    expect(calendar.data!.workCalendar.every((d) => d.date === d.day && d.date.startsWith('2026-'))).toBe(
      true,
    );
  });

  it('creates a campaign from Date-typed first and last days and answers both spellings', async () => {
    const community = await gqlRequest<{ community: { id: string } }>(
      stack.gatewayUrl,
      '{ community(code: "caichang") { id } }',
    );
    const china = (offsetDays: number) =>
      new Date(Date.now() + 8 * 3_600_000 + offsetDays * 86_400_000).toISOString().slice(0, 10);
    const create = () =>
      gqlRequest<{
        createCampaign: { firstDay: string; lastDay: string; startsOn: string; endsOn: string; days: number };
      }>(
        stack.gatewayUrl,
        `mutation($i: CreateCampaignInput!) { createCampaign(input: $i) { firstDay lastDay startsOn endsOn days } }`,
        {
          i: {
            name: `测试行动${run}`,
            scopeKind: 'COMMUNITY',
            scopeId: community.data!.community.id,
            firstDay: china(0),
            lastDay: china(29),
            targets: [{ name: 'HOUSEHOLDS_VISITED', goal: 100 }],
          },
        },
        staff,
      );
    // The cases service learns the community from the roster's events.
    let created = await create();
    for (let i = 0; i < 150 && errorCodes(created).includes('NOT_FOUND'); i++) {
      await new Promise((r) => setTimeout(r, 200));
      created = await create();
    }
    expect(created.errors).toBeUndefined();
    expect(created.data!.createCampaign).toEqual({
      firstDay: china(0),
      lastDay: china(29),
      startsOn: china(0),
      endsOn: china(29),
      days: 30,
    });
    // A refusal names the field the client sent.
    const past = await gqlRequest(
      stack.gatewayUrl,
      `mutation($i: CreateCampaignInput!) { createCampaign(input: $i) { id } }`,
      {
        i: {
          name: `过期行动${run}`,
          scopeKind: 'COMMUNITY',
          scopeId: community.data!.community.id,
          firstDay: china(-40),
          lastDay: china(-10),
          targets: [{ name: 'HOUSEHOLDS_VISITED', goal: 100 }],
        },
      },
      staff,
    );
    expect(errorCodes(past)).toEqual(['BAD_USER_INPUT']);
    expect(past.errors![0]!.extensions).toMatchObject({ field: 'input.lastDay', serviceName: 'cases' });
  });

  it('resolves the actor of a history to its Account for staff, batched by the roster; null for others and for non-accounts', async () => {
    const login = await gqlRequest<{ login: { token: string; account: { id: string } } }>(
      stack.gatewayUrl,
      'mutation($u: String!, $p: String!) { login(username: $u, password: $p) { token account { id } } }',
      { u: 'staff', p: DEMO_PASSWORD },
    );
    expect(login.errors).toBeUndefined();
    const { token: session, account } = login.data!.login;

    // people → roster: the inspector of a unit's visit.
    const grid = await gqlRequest<{ grid: { streets: { nodes: { id: string }[] } } }>(
      stack.gatewayUrl,
      'query($id: ID!) { grid(id: $id) { streets(first: 100) { nodes { id } } } }',
      { id: gridId },
    );
    const streetIds = grid.data!.grid.streets.nodes.map((n) => n.id);
    const units = await gqlRequest<{ units: { nodes: { id: string; street: { id: string } }[] } }>(
      stack.gatewayUrl,
      '{ units(first: 100) { nodes { id street { id } } } }',
      {},
      session,
    );
    const unit = units.data!.units.nodes.find((u) => streetIds.includes(u.street.id))!;
    const visit = await gqlRequest(
      stack.gatewayUrl,
      'mutation($i: RecordInspectionInput!) { recordUnitInspection(input: $i) { id } }',
      { i: { unitId: unit.id, result: 'PASSED', hazards: 0 } },
      session,
    );
    expect(visit.errors).toBeUndefined();
    const VISITS = `query($id: ID!) { unit(id: $id) { inspections(first: 5) {
      nodes { inspector inspectorAccount { id displayName } } } } }`;
    type Visits = { unit: { inspections: { nodes: { inspector: string; inspectorAccount: unknown }[] } } };
    const asStaff = await gqlRequest<Visits>(stack.gatewayUrl, VISITS, { id: unit.id }, staff);
    expect(asStaff.errors).toBeUndefined();
    expect(asStaff.data!.unit.inspections.nodes[0]).toEqual({
      inspector: account.id,
      inspectorAccount: { id: account.id, displayName: '社区工作人员 李敏' },
    });
    // The chief of the grid sees the visit, not the account behind it.
    const asChief = await gqlRequest<Visits>(stack.gatewayUrl, VISITS, { id: unit.id }, chief);
    expect(asChief.errors).toBeUndefined();
    expect(asChief.data!.unit.inspections.nodes[0]!.inspectorAccount).toBeNull();
    // Staff reaching an account as an actor see its name, not its sign-in name.
    const username = await gqlRequest(
      stack.gatewayUrl,
      'query($id: ID!) { unit(id: $id) { inspections(first: 1) { nodes { inspectorAccount { username } } } } }',
      { id: unit.id },
      staff,
    );
    expect(errorCodes(username)).toEqual(['FORBIDDEN']);

    // In the roster: a grid's history, the seed's entry (no account) and one made by the account.
    const officer = stack.tokens.mint(['TOWN_OFFICER'], { scopes: ['community:caichang'] });
    const changed = await gqlRequest(
      stack.gatewayUrl,
      'mutation($i: SetGridPlacesInput!) { setGridPlaces(input: $i) { id } }',
      { i: { id: gridId, streetIds, reason: '核对网格范围' } },
      session,
    );
    expect(changed.errors).toBeUndefined();
    const history = await gqlRequest<{
      grid: { history: { nodes: { actor: string; actorAccount: { displayName: string } | null }[] } };
    }>(
      stack.gatewayUrl,
      'query($id: ID!) { grid(id: $id) { history(first: 100) { nodes { actor actorAccount { displayName } } } } }',
      { id: gridId },
      officer,
    );
    expect(history.errors).toBeUndefined();
    const nodes = history.data!.grid.history.nodes;
    expect(nodes[0]).toEqual({ actor: 'seed', actorAccount: null });
    expect(nodes.at(-1)).toEqual({ actor: account.id, actorAccount: { displayName: '社区工作人员 李敏' } });
  });
});
