import { demoGridId, stableId } from '@sc/demo';
import { OutboxEvent } from '@sc/events';
import { PeopleSnapshotEvents, PeopleSnapshotMark, PeopleVoter } from '@sc/people-contracts';
import { GridPlace, RosterPlace } from '@sc/roster-contracts';
import { errorCodes, gqlRequest } from '@sc/testing';
import { startStack, type Stack } from './stack';

const STREET = stableId('street:正街');
const OTHER_STREET = stableId('street:新街');

/** Polls until `check` holds (presence of what an event brings, never absence). */
async function until(what: string, check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${what} did not happen within ${timeoutMs} ms`);
}

describe('deliberation: opinions, meetings, proxies and Household.ballotStatus through the gateway [starts: roster, people, deliberation on MariaDB, gateway; needs: MariaDB, Kafka]', () => {
  let stack: Stack;
  const ds = () => {
    const s = stack.services['deliberation'];
    if (!s) throw new Error('deliberation did not start');
    return s.dataSource;
  };
  const staff = () =>
    stack.tokens.mint(['COMMUNITY_STAFF'], { scopes: ['community:caichang'], subject: 'staff-disc' });
  // The chief of the demo grid holding 正街: a chief reads attendance in own grid only (ADR 0047).
  const chief = () =>
    stack.tokens.mint(['STREET_CHIEF'], { scopes: [`grid:${demoGridId(1)}`], subject: 'chief-disc' });
  const resident = (id: string) =>
    stack.tokens.mint(['RESIDENT'], { scopes: [`resident:${id}`], subject: `resident-${id}` });
  const gql = <T>(query: string, variables: Record<string, unknown>, token?: string) =>
    gqlRequest<T>(stack.gatewayUrl, query, variables, token);

  /** A household of this stack's people on 正街 with its head and another adult member. */
  let head: PeopleVoter;
  let member: PeopleVoter;
  let neighbour: PeopleVoter;
  let outsider: PeopleVoter;
  let matterId: string;

  beforeAll(async () => {
    stack = await startStack('delib_disc', { people: { PEOPLE_SEED_DEMO: 'true' } });
    const completed = await stack.people.dataSource
      .getRepository(OutboxEvent)
      .findOneByOrFail({ type: PeopleSnapshotEvents.completed.type });
    await until('the people snapshot in the voters read model', () =>
      ds().getRepository(PeopleSnapshotMark).existsBy({ snapshotId: completed.aggregateId }),
    );
    await until('the roster streets in the places read model', async () => {
      const n = await ds()
        .getRepository(RosterPlace)
        .countBy([{ id: STREET }, { id: OTHER_STREET }]);
      return n === 2;
    });
    await until('the roster grids in the grid read model', () =>
      ds()
        .getRepository(GridPlace)
        .existsBy({ gridId: demoGridId(1), placeId: STREET }),
    );
    // The topics are shared by the suite's stacks: pick residents this stack's people knows.
    const local = new Set(
      (
        (await stack.people.dataSource.query("SELECT id FROM resident WHERE status = 'ACTIVE'")) as {
          id: string;
        }[]
      ).map((r) => r.id),
    );
    const voters = (await ds().getRepository(PeopleVoter).findBy({ status: 'ACTIVE' })).filter((v) =>
      local.has(v.id),
    );
    const adult = (v: PeopleVoter) => v.birthYear !== null && v.birthYear <= new Date().getUTCFullYear() - 18;
    const onStreet = voters.filter((v) => v.streetId === STREET && v.householdId && adult(v));
    const pair = onStreet
      .filter((v) => v.relationship === 'HEAD')
      .map((h) => ({ h, m: onStreet.find((v) => v.householdId === h.householdId && v.id !== h.id) }))
      .find((p) => p.m);
    if (!pair?.m) throw new Error('no household on 正街 with a head and another adult');
    head = pair.h;
    member = pair.m;
    const other = onStreet.find((v) => v.relationship === 'HEAD' && v.householdId !== head.householdId);
    const away = voters.find((v) => v.streetId === OTHER_STREET && adult(v));
    if (!other || !away) throw new Error('no neighbour on 正街 or resident of 新街');
    neighbour = other;
    outsider = away;
  }, 180_000);
  afterAll(async () => {
    await stack?.stop();
  });

  it('residents of the scope post opinions and replies; staff hide one, kept for staff; outsiders are refused', async () => {
    const drafted = await gql<{ draftMatter: { id: string } }>(
      'mutation($i: DraftMatterInput!) { draftMatter(input: $i) { id } }',
      {
        i: {
          title: '正街停车位按户分配',
          description: '每户一个车位，轮换',
          kind: 'PARKING',
          scopeKind: 'STREET',
          scopeId: STREET,
          electorateKind: 'HOUSEHOLDS',
        },
      },
      staff(),
    );
    expect(drafted.errors).toBeUndefined();
    matterId = drafted.data!.draftMatter.id;
    const post = (token: string, body: string, replyTo?: string) =>
      gql<{ postOpinion: { id: string; authorRole: string } }>(
        'mutation($i: PostOpinionInput!) { postOpinion(input: $i) { id authorRole } }',
        { i: { matterId, body, replyTo } },
        token,
      );
    // Not in discussion yet: CONFLICT naming the state.
    const early = await post(resident(head.id), '太早');
    expect(errorCodes(early)).toEqual(['CONFLICT']);
    expect(early.errors?.[0]?.message).toContain('DRAFT');
    expect(
      (
        await gql(
          'mutation($id: ID!) { openDiscussion(id: $id, reason: "民议") { status } }',
          { id: matterId },
          chief(),
        )
      ).errors,
    ).toBeUndefined();

    const first = await post(resident(head.id), '建议按户轮换，每季度一次');
    expect(first.errors).toBeUndefined();
    expect(first.data?.postOpinion.authorRole).toBe('RESIDENT');
    const reply = await post(resident(neighbour.id), '同意，外来车辆另议', first.data!.postOpinion.id);
    expect(reply.errors).toBeUndefined();
    const rude = await post(resident(neighbour.id), '某某家天天乱停');
    expect(errorCodes(await post(resident(outsider.id), '我是新街的'))).toEqual(['FORBIDDEN']);
    expect(errorCodes(await post('', '匿名'))).toEqual(['UNAUTHENTICATED']);
    expect(errorCodes(await post(resident(head.id), ''))).toEqual(['BAD_USER_INPUT']);

    const hide = (token: string) =>
      gql(
        'mutation($id: ID!) { hideOpinion(id: $id, reason: "涉及他人") { hidden } }',
        { id: rude.data!.postOpinion.id },
        token,
      );
    expect(errorCodes(await hide(resident(head.id)))).toEqual(['FORBIDDEN']);
    expect((await hide(staff())).errors).toBeUndefined();
    const again = await hide(staff());
    expect(errorCodes(again)).toEqual(['CONFLICT']);

    const view = `query($id: ID!) { matter(id: $id) { opinions(first: 10) { totalCount
      nodes { body hidden hiddenReason replies { totalCount nodes { body } } } } } }`;
    type View = {
      matter: {
        opinions: {
          totalCount: number;
          nodes: {
            body: string | null;
            hidden: boolean;
            hiddenReason: string | null;
            replies: { totalCount: number };
          }[];
        };
      };
    };
    const anonymous = await gql<View>(view, { id: matterId });
    expect(anonymous.errors).toBeUndefined();
    expect(anonymous.data?.matter.opinions.totalCount).toBe(2);
    expect(anonymous.data?.matter.opinions.nodes.map((o) => [o.body, o.hidden, o.hiddenReason])).toEqual([
      ['建议按户轮换，每季度一次', false, null],
      [null, true, '涉及他人'],
    ]);
    expect(anonymous.data?.matter.opinions.nodes[0]?.replies.totalCount).toBe(1);
    const asStaff = await gql<View>(view, { id: matterId }, staff());
    expect(asStaff.data?.matter.opinions.nodes[1]?.body).toBe('某某家天天乱停');
  });

  it('a chief schedules a meeting, records attendance and minutes; the public sees the quorum, not the list', async () => {
    const scheduled = await gql<{ scheduleMeeting: { id: string } }>(
      'mutation($i: ScheduleMeetingInput!) { scheduleMeeting(input: $i) { id } }',
      {
        i: {
          matterId,
          kind: 'STREET',
          startsAt: '2026-12-06T11:00:00Z',
          place: '正街活动室',
          agenda: '车位分配',
        },
      },
      chief(),
    );
    expect(scheduled.errors).toBeUndefined();
    const meetingId = scheduled.data!.scheduleMeeting.id;
    expect(
      errorCodes(
        await gql(
          'mutation($i: ScheduleMeetingInput!) { scheduleMeeting(input: $i) { id } }',
          { i: { matterId, kind: 'STREET', startsAt: '2026-12-06T11:00:00Z', place: 'x', agenda: 'y' } },
          resident(head.id),
        ),
      ),
    ).toEqual(['FORBIDDEN']);
    const attended = await gql(
      'mutation($m: ID!, $r: [ID!]!) { recordAttendance(meetingId: $m, residentIds: $r) { id } }',
      { m: meetingId, r: [head.id, member.id, neighbour.id] },
      chief(),
    );
    expect(attended.errors).toBeUndefined();
    const minutes = await gql<{ recordMinutes: { status: string } }>(
      'mutation($m: ID!) { recordMinutes(meetingId: $m, minutes: "与会三人，意见已记录") { status } }',
      { m: meetingId },
      chief(),
    );
    expect(minutes.data?.recordMinutes.status).toBe('HELD');
    const view = `query($id: ID!) { matter(id: $id) { meetings { totalCount nodes { status minutes
      quorum { present adultsPresent householdsPresent met } attendance { totalCount } } } } }`;
    type View = {
      matter: {
        meetings: {
          totalCount: number;
          nodes: {
            status: string;
            quorum: { present: number; householdsPresent: number; met: boolean };
            attendance: { totalCount: number } | null;
          }[];
        };
      };
    };
    const anonymous = await gql<View>(view, { id: matterId });
    expect(anonymous.errors).toBeUndefined();
    const m = anonymous.data!.matter.meetings;
    expect(m.totalCount).toBe(1);
    expect(m.nodes[0]).toMatchObject({
      status: 'HELD',
      quorum: { present: 3, householdsPresent: 2, met: false },
      attendance: null,
    });
    const asChief = await gql<View>(view, { id: matterId }, chief());
    expect(asChief.data?.matter.meetings.nodes[0]?.attendance?.totalCount).toBe(3);
  });

  it('a household head gives a proxy to an adult member, who casts; Household.ballotStatus shows it, never the choice', async () => {
    const opened = await gql(
      'mutation($id: ID!, $c: DateTime!) { openVoting(id: $id, closesAt: $c, reason: "表决") { status } }',
      { id: matterId, c: new Date(Date.now() + 86_400_000).toISOString() },
      staff(),
    );
    expect(opened.errors).toBeUndefined();
    const grant = (token: string, proxy: string) =>
      gql<{ grantProxy: { kind: string; voterId: string } }>(
        'mutation($m: ID!, $p: ID!) { grantProxy(matterId: $m, proxyResidentId: $p) { kind voterId } }',
        { m: matterId, p: proxy },
        token,
      );
    // Another household's head: not without allowProxies.
    expect(errorCodes(await grant(resident(head.id), neighbour.id))).toEqual(['FORBIDDEN']);
    const granted = await grant(resident(head.id), member.id);
    expect(granted.errors).toBeUndefined();
    expect(granted.data?.grantProxy).toEqual({ kind: 'HOUSEHOLD_MEMBER', voterId: head.householdId });
    const cast = (token: string, voterId?: string) =>
      gql<{ castBallot: { receipt: string } }>(
        'mutation($i: CastBallotInput!) { castBallot(input: $i) { receipt } }',
        { i: { matterId, choices: ['FOR'], voterId } },
        token,
      );
    expect(errorCodes(await cast(resident(head.id)))).toEqual(['FORBIDDEN']);
    const byProxy = await cast(resident(member.id), head.householdId ?? undefined);
    expect(byProxy.errors).toBeUndefined();
    const receipt = byProxy.data!.castBallot.receipt;
    const verified = await gql<{ verifyReceipt: string }>(
      'query($m: ID!, $r: String!) { verifyReceipt(matterId: $m, receipt: $r) }',
      { m: matterId, r: receipt },
    );
    expect(verified.data?.verifyReceipt).toBe('COUNTED');
    expect(
      errorCodes(
        await gql(
          'mutation($m: ID!) { revokeProxy(matterId: $m) { status } }',
          { m: matterId },
          resident(head.id),
        ),
      ),
    ).toEqual(['CONFLICT']);

    const status = `query($h: ID!, $m: ID!) { household(id: $h) { id ballotStatus(matterId: $m) {
      inElectorate voters voted channel casterResidentId proxy { proxyResidentId kind } } } }`;
    const own = await gql<{
      household: { ballotStatus: Record<string, unknown> | null } | null;
    }>(status, { h: head.householdId, m: matterId }, resident(head.id));
    expect(own.errors).toBeUndefined();
    expect(own.data?.household?.ballotStatus).toEqual({
      inElectorate: true,
      voters: 1,
      voted: 1,
      channel: 'ONLINE',
      casterResidentId: member.id,
      proxy: { proxyResidentId: member.id, kind: 'HOUSEHOLD_MEMBER' },
    });
    const asStaff = await gql<{ household: { ballotStatus: { voted: number } | null } | null }>(
      status,
      { h: neighbour.householdId, m: matterId },
      staff(),
    );
    expect(asStaff.data?.household?.ballotStatus).toMatchObject({ voted: 0 });
    // Someone else's household: people does not show it to a resident.
    const other = await gql<{ household: unknown }>(
      status,
      { h: neighbour.householdId, m: matterId },
      resident(head.id),
    );
    expect(other.data?.household ?? null).toBeNull();
    // The published voter–proxy list.
    const list = await gql<{
      matter: {
        electorate: {
          proxies: { totalCount: number; nodes: { voterId: string; proxyResidentId: string }[] };
        };
      };
    }>(
      'query($id: ID!) { matter(id: $id) { electorate { proxies { totalCount nodes { voterId proxyResidentId } } } } }',
      {
        id: matterId,
      },
    );
    expect(list.data?.matter.electorate.proxies).toEqual({
      totalCount: 1,
      nodes: [{ voterId: head.householdId, proxyResidentId: member.id }],
    });
  });
});
