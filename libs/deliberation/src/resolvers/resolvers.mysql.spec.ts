import { buildSubgraphSchema } from '@apollo/subgraph';
import { graphql, type GraphQLSchema } from 'graphql';
import { randomUUID } from 'node:crypto';
import type { Principal } from '@sc/auth';
import { GridPlace } from '@sc/roster-contracts';
import { freshMysqlDatabase, type TestDatabase } from '@sc/testing';
import { deliberationTypeDefs } from '../schema';
import {
  CHIEF,
  deliberationFixture,
  resolverContext,
  PLACES,
  principal as makePrincipal,
  residentPrincipal,
  STAFF,
  type DeliberationFixture,
  type Household,
} from '../services/spec-helpers';
import { resolvers } from '.';

// The resolver map over the real services on MariaDB (the gateway e2e covers HTTP and tokens).
describe('deliberation resolvers on MariaDB [needs: MariaDB]', () => {
  let db: TestDatabase;
  let f: DeliberationFixture;
  let schema: GraphQLSchema;
  const hh = (i: number) => f.households[i] as Household;
  const run = async (
    query: string,
    variables: Record<string, unknown>,
    principal: Principal | null = null,
  ) => {
    const context = resolverContext(f, principal);
    const result = await graphql({ schema, source: query, variableValues: variables, contextValue: context });
    if (result.errors) throw new Error(JSON.stringify(result.errors));
    return result.data as Record<string, never>;
  };
  beforeAll(async () => {
    db = await freshMysqlDatabase('delib_resolvers');
    f = await deliberationFixture(db.url, 6);
    schema = buildSubgraphSchema([{ typeDefs: deliberationTypeDefs(), resolvers: resolvers as never }]);
  }, 60_000);
  afterAll(async () => {
    await f?.close();
    await db?.drop();
  });

  it('serves the published receipts from the counted ballots, hidden opinions without text, attendance to staff only', async () => {
    const matterId = await f.discussed({ electorateKind: 'HOUSEHOLDS' });
    const o = await f.discussion.postOpinion(f.req(residentPrincipal(hh(0).head)), {
      matterId,
      body: '不当言论',
      replyTo: null,
    });
    await f.discussion.hideOpinion(f.req(STAFF), o.id, '人身攻击');
    const meeting = await f.discussion.scheduleMeeting(f.req(CHIEF), {
      matterId,
      kind: 'STREET',
      startsAt: new Date('2026-12-05T11:00:00Z'),
      place: '活动室',
      agenda: '议程',
    });
    await f.discussion.recordAttendance(f.req(CHIEF), meeting.id, [
      hh(0).head,
      hh(1).head,
      hh(2).head,
      hh(3).head,
    ]);
    await f.matters.openVoting(f.req(STAFF), matterId, new Date('2026-12-10T00:00:00Z'), '表决');
    const receipts: string[] = [];
    for (let i = 0; i < 4; i++)
      receipts.push(
        (await f.matters.castBallot(f.req(residentPrincipal(hh(i).head)), matterId, ['FOR'])).receipt,
      );
    await f.matters.castBallot(f.req(residentPrincipal(hh(0).head)), matterId, ['AGAINST']).then((r) => {
      receipts[0] = r.receipt; // replaced: the later ballot counts
    });
    const query = `query($id: ID!) { matter(id: $id) { status
      tally { participants receipts ballotsHash counts { option count } }
      opinions { totalCount nodes { body hidden hiddenReason } }
      meetings { nodes { quorum { present householdsPresent households met } attendance { totalCount } } } } }`;
    const live = await run(query, { id: matterId });
    expect(live).toMatchObject({ matter: { status: 'VOTING', tally: { participants: 4, receipts: [] } } });
    await f.matters.closeVote(f.req(STAFF), matterId, '结束');
    const anonymous = await run(query, { id: matterId });
    expect(anonymous).toMatchObject({
      matter: {
        status: 'ADOPTED',
        tally: { participants: 4, receipts: [...receipts].sort() },
        opinions: { totalCount: 1, nodes: [{ body: null, hidden: true, hiddenReason: '人身攻击' }] },
        meetings: {
          nodes: [
            { quorum: { present: 4, householdsPresent: 4, households: 6, met: true }, attendance: null },
          ],
        },
      },
    });
    const asStaff = await run(query, { id: matterId }, STAFF);
    expect(asStaff).toMatchObject({
      matter: {
        opinions: { nodes: [{ body: '不当言论' }] },
        meetings: { nodes: [{ attendance: { totalCount: 4 } }] },
      },
    });
    const recount = await run(
      'query($id: ID!) { recount(matterId: $id) { agrees published { receipts } } }',
      {
        id: matterId,
      },
    );
    expect(recount).toEqual({ recount: { agrees: true, published: { receipts: [...receipts].sort() } } });
  });

  it("limits a chief's reads beyond the public view to matters whose scope lies in the chief's grid", async () => {
    // Grid A holds 正街 (the fixture's street), grid B 新街, grid C the courtyard of 正街 on its own.
    const [gridA, gridB, gridC] = [randomUUID(), randomUUID(), randomUUID()];
    await f.ds.getRepository(GridPlace).insert([
      { gridId: gridA, placeId: PLACES.street, kind: 'STREET' },
      { gridId: gridB, placeId: PLACES.otherStreet, kind: 'STREET' },
      { gridId: gridC, placeId: PLACES.courtyard, kind: 'COURTYARD' },
    ]);
    const chiefOf = (...grids: string[]) =>
      makePrincipal(
        ['STREET_CHIEF'],
        grids.map((g) => `grid:${g}`),
      );
    const [chiefA, chiefB, chiefC, chiefAB] = [
      chiefOf(gridA),
      chiefOf(gridB),
      chiefOf(gridC),
      chiefOf(gridA, gridB),
    ];
    const matterId = await f.discussed({ electorateKind: 'HOUSEHOLDS' });
    const o = await f.discussion.postOpinion(f.req(residentPrincipal(hh(0).head)), {
      matterId,
      body: '隐藏的意见',
      replyTo: null,
    });
    await f.discussion.hideOpinion(f.req(STAFF), o.id, '广告');
    const meeting = await f.discussion.scheduleMeeting(f.req(STAFF), {
      matterId,
      kind: 'STREET',
      startsAt: new Date('2026-12-05T11:00:00Z'),
      place: '活动室',
      agenda: '议程',
    });
    await f.discussion.recordAttendance(f.req(STAFF), meeting.id, [hh(0).head, hh(1).head]);
    await f.matters.openVoting(f.req(STAFF), matterId, new Date('2026-12-10T00:00:00Z'), '表决');
    await f.matters.castBallot(f.req(residentPrincipal(hh(0).head)), matterId, ['FOR']);
    const details = `query($id: ID!, $reps: [_Any!]!) {
      matter(id: $id) { id status turnout { participants }
        opinions { nodes { hidden body } }
        meetings { nodes { attendance { totalCount } inPersonEntries { totalCount } } } }
      _entities(representations: $reps) { ... on Household { ballotStatus(matterId: $id) { voted } } } }`;
    const view = (p: Principal) =>
      run(details, { id: matterId, reps: [{ __typename: 'Household', id: hh(0).id }] }, p);
    const seen = {
      matter: {
        id: matterId,
        status: 'VOTING',
        turnout: { participants: 1 },
        opinions: { nodes: [{ hidden: true, body: '隐藏的意见' }] },
        meetings: { nodes: [{ attendance: { totalCount: 2 }, inPersonEntries: { totalCount: 0 } }] },
      },
      _entities: [{ ballotStatus: { voted: 1 } }],
    };
    // The public view stays for everyone; the rest is null outside the chief's grid (the schema's rule).
    const unseen = {
      matter: {
        ...seen.matter,
        opinions: { nodes: [{ hidden: true, body: null }] },
        meetings: { nodes: [{ attendance: null, inPersonEntries: null }] },
      },
      _entities: [{ ballotStatus: null }],
    };
    expect(await view(chiefA)).toEqual(seen);
    expect(await view(chiefB)).toEqual(unseen);
    expect(await view(STAFF)).toEqual(seen);
    // The fixture's CHIEF holds grid g1 (the street too); a grid the read model does not know: nothing.
    expect(await view(CHIEF)).toEqual(seen);
    expect(await view(chiefOf(randomUUID()))).toEqual(unseen);

    // A courtyard with a grid of its own belongs to that grid, not to its street's.
    const yard = await f.discussed({ scopeKind: 'COURTYARD', scopeId: PLACES.courtyard });
    const yardOpinion = await f.discussion.postOpinion(f.req(STAFF), {
      matterId: yard,
      body: '院落意见',
      replyTo: null,
    });
    await f.discussion.hideOpinion(f.req(STAFF), yardOpinion.id, '重复');
    const body = async (p: Principal, id: string) => {
      const data: unknown = await run(
        'query($id: ID!) { matter(id: $id) { opinions { nodes { body } } } }',
        { id },
        p,
      );
      return (
        data as { matter: { opinions: { nodes: { body: string | null }[] } } }
      ).matter.opinions.nodes.map((n) => n.body);
    };
    expect(await body(chiefC, yard)).toEqual(['院落意见']);
    expect(await body(chiefA, yard)).toEqual([null]);

    // A community-wide matter lies in a chief's grid only when all its streets do.
    const community = await f.discussed({ scopeKind: 'COMMUNITY', scopeId: PLACES.community });
    const communityOpinion = await f.discussion.postOpinion(f.req(STAFF), {
      matterId: community,
      body: '社区意见',
      replyTo: null,
    });
    await f.discussion.hideOpinion(f.req(STAFF), communityOpinion.id, '重复');
    expect(await body(chiefA, community)).toEqual([null]);
    expect(await body(chiefAB, community)).toEqual(['社区意见']);
  });
});
