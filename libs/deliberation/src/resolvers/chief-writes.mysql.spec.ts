import { buildSubgraphSchema } from '@apollo/subgraph';
import { graphql, type GraphQLSchema } from 'graphql';
import { randomUUID } from 'node:crypto';
import type { Principal } from '@sc/auth';
import { GridPlace } from '@sc/roster-contracts';
import { freshMysqlDatabase, type TestDatabase } from '@sc/testing';
import { deliberationTypeDefs } from '../schema';
import {
  deliberationFixture,
  resolverContext,
  PLACES,
  principal as makePrincipal,
  residentPrincipal,
  STAFF,
  STAFF2,
  type DeliberationFixture,
  type Household,
} from '../services/spec-helpers';
import { resolvers } from '.';

/** Every table a deliberation write can touch: a refused write leaves each as it was. */
const TABLES = [
  'matter',
  'matter_transition',
  'opinion',
  'meeting',
  'meeting_attendance',
  'in_person_entry',
  'electorate_member',
  'participation',
  'ballot',
  'ballot_count',
  'proxy',
  'matter_supervisor',
  'matter_task',
  'task_report',
  'outbox_event',
];

// A chief's writes through the resolver map on MariaDB: only on matters whose scope lies in the
// token's grids (ADR 0047), by the same rule as a chief's reads.
describe("deliberation: a chief's writes stay in the chief's grids, on MariaDB [needs: MariaDB]", () => {
  let db: TestDatabase;
  let f: DeliberationFixture;
  let schema: GraphQLSchema;
  const hh = (i: number) => f.households[i] as Household;
  // Grid A holds 正街 (the fixture's street), grid B 新街, grid C one courtyard of 正街 on its own.
  const [gridA, gridB, gridC] = [randomUUID(), randomUUID(), randomUUID()];
  const chiefOf = (grids: string[], subject?: string, roles: Principal['roles'] = ['STREET_CHIEF']) =>
    makePrincipal(
      roles,
      grids.map((g) => `grid:${g}`),
      subject,
    );
  const chiefA = chiefOf([gridA], 'chief-a');
  const chiefB = chiefOf([gridB], 'chief-b');

  const exec = async (query: string, variables: Record<string, unknown>, principal: Principal | null) => {
    const context = resolverContext(f, principal);
    return graphql({ schema, source: query, variableValues: variables, contextValue: context });
  };
  /** The data of a write that must succeed. */
  const ok = async <T = Record<string, never>>(
    query: string,
    variables: Record<string, unknown>,
    principal: Principal,
  ): Promise<T> => {
    const result = await exec(query, variables, principal);
    if (result.errors) throw new Error(JSON.stringify(result.errors));
    return result.data as T;
  };
  /** Row count and checksum of every table: what "writing nothing" is measured by. */
  const tables = async () => {
    const out: Record<string, string> = {};
    for (const t of TABLES) {
      const [{ n }] = (await f.ds.query(`SELECT COUNT(*) AS n FROM \`${t}\``)) as [{ n: number | string }];
      const [{ Checksum }] = (await f.ds.query(`CHECKSUM TABLE \`${t}\``)) as [{ Checksum: unknown }];
      out[t] = `${Number(n)} rows, checksum ${String(Checksum)}`;
    }
    return out;
  };
  /** The write is refused with FORBIDDEN and every table is unchanged. */
  const refused = async (query: string, variables: Record<string, unknown>, principal: Principal) => {
    const before = await tables();
    const result = await exec(query, variables, principal);
    expect(result.errors?.map((e) => e.extensions?.['code'])).toEqual(['FORBIDDEN']);
    expect(result.errors?.[0]?.message).toContain('grids of the token');
    expect(await tables()).toEqual(before);
  };
  /** The chief of the other grid is refused, writing nothing; then the chief of the matter's grid succeeds. */
  const onlyInGrid = async <T>(
    query: string,
    variables: Record<string, unknown>,
    inside: Principal = chiefA,
    outside: Principal = chiefB,
  ): Promise<T> => {
    await refused(query, variables, outside);
    return ok<T>(query, variables, inside);
  };

  const DRAFT = `mutation($i: DraftMatterInput!) { draftMatter(input: $i) { id status transitions { actor } } }`;
  const draft = (scopeKind: string, scopeId: string) => ({
    i: {
      title: '正街停车位分配',
      description: '按户轮换',
      kind: 'PARKING',
      scopeKind,
      scopeId,
      electorateKind: 'HOUSEHOLDS',
    },
  });
  const MOVE = (name: string) =>
    `mutation($id: ID!, $r: String!) { ${name}(id: $id, reason: $r) { id status } }`;

  beforeAll(async () => {
    db = await freshMysqlDatabase('delib_chief_writes');
    f = await deliberationFixture(db.url, 6);
    schema = buildSubgraphSchema([{ typeDefs: deliberationTypeDefs(), resolvers: resolvers as never }]);
    await f.ds.getRepository(GridPlace).insert([
      { gridId: gridA, placeId: PLACES.street, kind: 'STREET' },
      { gridId: gridB, placeId: PLACES.otherStreet, kind: 'STREET' },
      { gridId: gridC, placeId: PLACES.courtyard, kind: 'COURTYARD' },
    ]);
  }, 60_000);
  afterAll(async () => {
    await f?.close();
    await db?.drop();
  });

  it('lets the chief of the grid do every write of a matter, from the draft to the final report; the chief of another grid gets FORBIDDEN and writes nothing', async () => {
    // Draft and discussion.
    const drafted = await onlyInGrid<{ draftMatter: { id: string; transitions: { actor: string }[] } }>(
      DRAFT,
      draft('STREET', PLACES.street),
    );
    expect(drafted.draftMatter.transitions).toEqual([{ actor: 'chief-a' }]);
    const id = drafted.draftMatter.id;
    expect(
      await onlyInGrid<{ openDiscussion: { status: string } }>(MOVE('openDiscussion'), { id, r: '民议' }),
    ).toEqual({ openDiscussion: { id, status: 'DISCUSSION' } });
    const POST = `mutation($i: PostOpinionInput!) { postOpinion(input: $i) { id authorRole } }`;
    const posted = await onlyInGrid<{ postOpinion: { authorRole: string } }>(POST, {
      i: { matterId: id, body: '请大家提意见', replyTo: null },
    });
    expect(posted.postOpinion.authorRole).toBe('STREET_CHIEF');
    // Outside the grid a chief who is also a resident of the scope posts as that resident.
    const neighbourChief = makePrincipal(
      ['STREET_CHIEF', 'RESIDENT'],
      [`grid:${gridB}`, `resident:${hh(5).head}`],
    );
    expect(
      await ok<{ postOpinion: { authorRole: string } }>(
        POST,
        { i: { matterId: id, body: '同意', replyTo: null } },
        neighbourChief,
      ),
    ).toMatchObject({
      postOpinion: { authorRole: 'RESIDENT' },
    });

    // Meetings, attendance, in-person ballots, minutes.
    const meeting = await onlyInGrid<{ scheduleMeeting: { id: string } }>(
      `mutation($i: ScheduleMeetingInput!) { scheduleMeeting(input: $i) { id } }`,
      {
        i: {
          matterId: id,
          kind: 'STREET',
          startsAt: '2026-12-05T11:00:00Z',
          place: '正街活动室',
          agenda: '停车位分配',
        },
      },
    );
    const meetingId = meeting.scheduleMeeting.id;
    await onlyInGrid(
      `mutation($m: ID!, $r: [ID!]!) { recordAttendance(meetingId: $m, residentIds: $r) { id } }`,
      { m: meetingId, r: [hh(0).head, hh(1).head] },
    );
    await ok(
      `mutation($id: ID!, $c: DateTime!) { openVoting(id: $id, closesAt: $c, reason: "表决") { id } }`,
      { id, c: '2026-12-10T00:00:00Z' },
      STAFF,
    );
    const ENTER = `mutation($i: InPersonBallotInput!) { enterInPersonBallot(input: $i) { id status } }`;
    const enter = { i: { meetingId, residentId: hh(0).head, choices: ['FOR'] } };
    const first = await onlyInGrid<{ enterInPersonBallot: { id: string; status: string } }>(ENTER, enter);
    expect(first.enterInPersonBallot.status).toBe('PENDING');
    expect(
      await onlyInGrid(`mutation($id: ID!) { rejectInPersonBallot(id: $id, reason: "填错") { id status } }`, {
        id: first.enterInPersonBallot.id,
      }),
    ).toEqual({ rejectInPersonBallot: { id: first.enterInPersonBallot.id, status: 'REJECTED' } });
    const second = await ok<{ enterInPersonBallot: { id: string } }>(ENTER, enter, chiefA);
    // Staff confirm as before (the second person of the two-person entry).
    await ok(
      `mutation($id: ID!) { confirmInPersonBallot(id: $id) { receipt } }`,
      { id: second.enterInPersonBallot.id },
      STAFF2,
    );
    expect(
      await onlyInGrid(
        `mutation($m: ID!) { recordMinutes(meetingId: $m, minutes: "与会两户") { id status } }`,
        { m: meetingId },
      ),
    ).toEqual({ recordMinutes: { id: meetingId, status: 'HELD' } });
    for (let i = 1; i < 5; i++) await f.matters.castBallot(f.req(residentPrincipal(hh(i).head)), id, ['FOR']);
    await ok(`mutation($id: ID!) { closeVote(id: $id, reason: "结束") { status } }`, { id }, STAFF).then(
      (d) => expect(d).toEqual({ closeVote: { status: 'ADOPTED' } }),
    );

    // Carrying it out: supervisors, tasks, progress, supervision notes, the final report.
    await onlyInGrid(
      `mutation($m: ID!, $r: [ID!]!) { chooseSupervisors(matterId: $m, residentIds: $r) { id } }`,
      { m: id, r: [hh(2).head] },
    );
    const task = await onlyInGrid<{ addTask: { id: string } }>(
      `mutation($i: AddTaskInput!) { addTask(input: $i) { id } }`,
      { i: { matterId: id, title: '划定车位', owner: '物业', dueAt: '2026-12-20T00:00:00Z' } },
    );
    await onlyInGrid(MOVE('startImplementing'), { id, r: '开始实施' });
    expect(
      await onlyInGrid(
        `mutation($i: ReportProgressInput!) { reportProgress(input: $i) { status percent } }`,
        { i: { taskId: task.addTask.id, percent: 100, note: '已划定', evidence: [] } },
      ),
    ).toEqual({ reportProgress: { status: 'DONE', percent: 100 } });
    // The chief supervisor (chief-a), once moved to grid B, notes no more on a matter of grid A.
    await onlyInGrid(
      `mutation($i: SupervisionNoteInput!) { addSupervisionNote(input: $i) { kind authorRole } }`,
      { i: { taskId: task.addTask.id, note: '已核实', evidence: [] } },
      chiefA,
      chiefOf([gridB], 'chief-a'),
    );
    expect(
      await onlyInGrid(
        `mutation($id: ID!, $r: String!) { completeImplementation(id: $id, reason: $r) { status } }`,
        {
          id,
          r: '终期报告',
        },
      ),
    ).toEqual({ completeImplementation: { status: 'IMPLEMENTED' } });

    // Withdrawing another matter of grid A.
    const other = await f.discussed();
    expect(await onlyInGrid(MOVE('withdrawMatter'), { id: other, r: '另行讨论' })).toEqual({
      withdrawMatter: { id: other, status: 'WITHDRAWN' },
    });
  });

  it('places courtyards with a grid of their own in it, groups and the community only when all their streets are; staff and ADMIN anywhere', async () => {
    // The courtyard lies in grid C, not in its street's grid A.
    await onlyInGrid(DRAFT, draft('COURTYARD', PLACES.courtyard), chiefOf([gridC]), chiefA);
    // The community's streets are in A and B: neither chief alone, both together.
    await refused(DRAFT, draft('COMMUNITY', PLACES.community), chiefB);
    await onlyInGrid(DRAFT, draft('COMMUNITY', PLACES.community), chiefOf([gridA, gridB]), chiefA);
    // A chief of a grid the read model does not know writes nowhere.
    await refused(DRAFT, draft('STREET', PLACES.street), chiefOf([randomUUID()]));
    // Staff and ADMIN: no grid needed.
    const onOther = await f.discussed({ scopeId: PLACES.otherStreet });
    await ok(
      `mutation($i: ScheduleMeetingInput!) { scheduleMeeting(input: $i) { id } }`,
      {
        i: {
          matterId: onOther,
          kind: 'STREET',
          startsAt: '2026-12-05T11:00:00Z',
          place: '新街',
          agenda: '议程',
        },
      },
      STAFF,
    );
    await ok(MOVE('withdrawMatter'), { id: onOther, r: '管理员撤回' }, makePrincipal(['ADMIN']));
  });
});
