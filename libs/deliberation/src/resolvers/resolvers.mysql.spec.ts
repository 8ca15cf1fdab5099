import { buildSubgraphSchema } from '@apollo/subgraph';
import { graphql, type GraphQLSchema } from 'graphql';
import type { Principal } from '@sc/auth';
import { freshMysqlDatabase, type TestDatabase } from '@sc/testing';
import type { DeliberationContext } from '../context';
import { DeliberationLoaders } from '../loaders';
import { deliberationTypeDefs } from '../schema';
import { ImplementationService } from '../services/implementation.service';
import { ProxyService } from '../services/proxy.service';
import {
  CHIEF,
  deliberationFixture,
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
    const context: DeliberationContext = {
      principal,
      loaders: new DeliberationLoaders(f.ds, f.discussion, () => f.clock.now),
      matters: f.matters,
      discussion: f.discussion,
      proxies: new ProxyService(f.ds, f.matters, () => undefined),
      implementation: new ImplementationService(
        f.ds,
        f.outbox,
        () => undefined,
        () => f.clock.now,
      ),
      now: () => f.clock.now,
    } as DeliberationContext;
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
});
