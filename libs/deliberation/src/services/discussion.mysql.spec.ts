import { decodeCursor } from '@sc/db';
import { freshMysqlDatabase, type TestDatabase } from '@sc/testing';
import { DeliberationEvents } from '@sc/deliberation-contracts';
import { InPersonEntry, Matter, Meeting, MeetingAttendance, Opinion, Participation } from '../entities';
import { DeliberationLoaders } from '../loaders';
import { meetingQuorumMet } from './discussion.service';
import { listHash } from './matter.service';
import {
  CHIEF,
  codeOf,
  deliberationFixture,
  draftInput,
  PLACES,
  residentPrincipal,
  STAFF,
  STAFF2,
  type DeliberationFixture,
  type Household,
} from './spec-helpers';

const page = (first = 20, afterKey: string | null = null) => ({ first, afterKey });

describe('deliberation: opinions, meetings and in-person ballots on MariaDB [needs: MariaDB]', () => {
  let db: TestDatabase;
  let f: DeliberationFixture;
  const hh = (i: number) => f.households[i] as Household;
  beforeAll(async () => {
    db = await freshMysqlDatabase('delib_discussion');
    f = await deliberationFixture(db.url, 6);
  }, 60_000);
  afterAll(async () => {
    await f?.close();
    await db?.drop();
  });

  describe('opinions (民议)', () => {
    it('takes opinions and replies from residents of the scope, chiefs and staff, paginated with totalCount', async () => {
      const matterId = await f.discussed();
      const [a, b] = f.households as Household[] as [Household, Household];
      const first = await f.discussion.postOpinion(f.req(residentPrincipal(a.head)), {
        matterId,
        body: '建议按户轮换',
        replyTo: null,
      });
      expect(first).toMatchObject({ authorRole: 'RESIDENT', authorResidentId: a.head, depth: 0 });
      const reply = await f.discussion.postOpinion(f.req(residentPrincipal(b.adult)), {
        matterId,
        body: '同意',
        replyTo: first.id,
      });
      // A reply to a reply joins the thread of the top-level opinion.
      f.clock.now = new Date(f.clock.now.getTime() + 1000);
      const nested = await f.discussion.postOpinion(f.req(CHIEF), {
        matterId,
        body: '会上再议',
        replyTo: reply.id,
      });
      expect([reply.parentId, nested.parentId, nested.authorRole]).toEqual([
        first.id,
        first.id,
        'STREET_CHIEF',
      ]);
      for (let i = 0; i < 4; i++) {
        f.clock.now = new Date(f.clock.now.getTime() + 1000);
        await f.discussion.postOpinion(f.req(STAFF), { matterId, body: `说明 ${i}`, replyTo: null });
      }
      const loaders = new DeliberationLoaders(f.ds, f.discussion);
      const p1 = await loaders.matterOpinions(matterId, page(3));
      expect(p1.nodes.map((o) => o.body)).toEqual(['建议按户轮换', '说明 0', '说明 1']);
      expect(await p1.totalCount()).toBe(5);
      expect(p1.pageInfo.hasNextPage).toBe(true);
      const after = p1.edges.at(-1)?.cursor ?? '';
      const p2 = await loaders.matterOpinions(matterId, page(3, decodeCursor(after)));
      expect(p2.nodes.map((o) => o.body)).toEqual(['说明 2', '说明 3']);
      expect(p2.pageInfo.hasNextPage).toBe(false);
      const replies = await loaders.opinionReplies(first.id, page());
      expect(replies.nodes.map((o) => o.body)).toEqual(['同意', '会上再议']);
      expect(await replies.totalCount()).toBe(2);
      const posted = await f.events(DeliberationEvents.opinionPosted.type);
      expect(posted.filter((e) => e['id'] === matterId)).toHaveLength(7);
      expect(JSON.stringify(posted)).not.toContain('建议按户轮换');
    });

    it('refuses outsiders, unknown ids and matters not in discussion or voting, writing nothing', async () => {
      const matterId = await f.discussed();
      const before = await f.ds.getRepository(Opinion).count();
      const post = (p: Parameters<typeof residentPrincipal>[0] | null, input: Record<string, unknown>) =>
        codeOf(
          f.discussion.postOpinion(f.req(p ? residentPrincipal(p) : null), {
            matterId,
            body: '意见',
            replyTo: null,
            ...input,
          }),
        );
      expect(await post(f.outsider, {})).toBe('FORBIDDEN');
      expect(await post(null, {})).toBe('UNAUTHENTICATED');
      expect(await post(hh(0).head, { matterId: '00000000-0000-4000-8000-000000000000' })).toBe('NOT_FOUND');
      expect(await post(hh(0).head, { replyTo: '00000000-0000-4000-8000-000000000000' })).toBe('NOT_FOUND');
      const draft = await f.matters.draft(f.req(STAFF), draftInput());
      const conflict = f.discussion.postOpinion(f.req(STAFF), {
        matterId: draft.id,
        body: 'x',
        replyTo: null,
      });
      await expect(conflict).rejects.toMatchObject({
        extensions: { code: 'CONFLICT', currentState: 'DRAFT' },
      });
      expect(await f.ds.getRepository(Opinion).count()).toBe(before);
    });

    it('lets staff hide an opinion with a reason: kept, its text for staff only; hiding twice is CONFLICT', async () => {
      const matterId = await f.discussed();
      const o = await f.discussion.postOpinion(f.req(residentPrincipal(hh(1).head)), {
        matterId,
        body: '某某家乱停车',
        replyTo: null,
      });
      expect(await codeOf(f.discussion.hideOpinion(f.req(CHIEF), o.id, '涉及他人'))).toBe('FORBIDDEN');
      const hidden = await f.discussion.hideOpinion(f.req(STAFF), o.id, '涉及他人隐私');
      expect(hidden).toMatchObject({ hidden: true, hiddenReason: '涉及他人隐私', hiddenBy: 'staff-1' });
      const stored = await f.ds.getRepository(Opinion).findOneByOrFail({ id: o.id });
      expect(stored.body).toBe('某某家乱停车');
      await expect(f.discussion.hideOpinion(f.req(STAFF2), o.id, '再次')).rejects.toMatchObject({
        extensions: { code: 'CONFLICT', currentState: 'HIDDEN' },
      });
      expect(
        await codeOf(f.discussion.hideOpinion(f.req(STAFF), '00000000-0000-4000-8000-000000000000', 'x')),
      ).toBe('NOT_FOUND');
      const events = await f.events(DeliberationEvents.opinionHidden.type);
      expect(events.at(-1)).toMatchObject({ id: matterId, opinionId: o.id, reason: '涉及他人隐私' });
    });
  });

  describe('meetings', () => {
    it('records attendance of residents of the scope, the quorum of the law, minutes by the chief', async () => {
      const matterId = await f.discussed();
      const meeting = await f.discussion.scheduleMeeting(f.req(CHIEF), {
        matterId,
        kind: 'STREET',
        startsAt: new Date('2026-12-05T11:00:00Z'),
        place: '正街活动室',
        agenda: '停车位分配方案',
      });
      expect(meeting.status).toBe('SCHEDULED');
      // 6 households of 3 (2 adults each): 12 adults, 6 households.
      const [h1, h2, h3, h4] = f.households as Household[] as [Household, Household, Household, Household];
      await f.discussion.recordAttendance(f.req(CHIEF), meeting.id, [h1.head, h1.adult, h1.child, h2.head]);
      const outsider = f.discussion.recordAttendance(f.req(CHIEF), meeting.id, [h3.head, f.outsider]);
      await expect(outsider).rejects.toMatchObject({
        extensions: { code: 'BAD_USER_INPUT' },
      });
      expect(
        await codeOf(
          f.discussion.recordAttendance(f.req(CHIEF), meeting.id, ['00000000-0000-4000-8000-000000000000']),
        ),
      ).toBe('NOT_FOUND');
      expect(await f.ds.getRepository(MeetingAttendance).countBy({ meetingId: meeting.id })).toBe(4);
      // Present: 3 adults of 12 (not > 1/2), 2 households of 6 (not ≥ 2/3).
      let p = (await f.discussion.presence(f.ds.manager, [meeting.id])).get(meeting.id) ?? {
        present: -1,
        adultsPresent: -1,
        householdsPresent: -1,
      };
      expect(p).toEqual({ present: 4, adultsPresent: 3, householdsPresent: 2 });
      const stored = await f.ds.getRepository(Meeting).findOneByOrFail({ id: meeting.id });
      expect([stored.adults, stored.households]).toEqual([12, 6]);
      expect(meetingQuorumMet({ ...p, adults: 12, households: 6 })).toBe(false);
      // Two more households (repeating one already there changes nothing): 4 of 6 = two thirds.
      await f.discussion.recordAttendance(f.req(STAFF), meeting.id, [h3.head, h4.head, h1.head]);
      p = (await f.discussion.presence(f.ds.manager, [meeting.id])).get(meeting.id) ?? p;
      expect(p).toEqual({ present: 6, adultsPresent: 5, householdsPresent: 4 });
      expect(meetingQuorumMet({ ...p, adults: 12, households: 6 })).toBe(true);

      expect(await codeOf(f.discussion.recordMinutes(f.req(STAFF), meeting.id, '纪要'))).toBe('FORBIDDEN');
      const held = await f.discussion.recordMinutes(
        f.req(CHIEF),
        meeting.id,
        '与会户数过三分之二，方案获多数赞成',
      );
      expect(held).toMatchObject({ status: 'HELD', minutesBy: 'chief-1' });
      await expect(f.discussion.recordMinutes(f.req(CHIEF), meeting.id, '再记')).rejects.toMatchObject({
        extensions: { code: 'CONFLICT', currentState: 'HELD' },
      });
      await expect(f.discussion.recordAttendance(f.req(CHIEF), meeting.id, [h4.adult])).rejects.toMatchObject(
        {
          extensions: { code: 'CONFLICT', currentState: 'HELD' },
        },
      );
      const [heldEvent] = (await f.events(DeliberationEvents.meetingHeld.type)).filter(
        (e) => e['meetingId'] === meeting.id,
      );
      expect(heldEvent).toMatchObject({
        present: 6,
        adultsPresent: 5,
        adults: 12,
        householdsPresent: 4,
        households: 6,
        quorumMet: true,
      });
      expect(JSON.stringify(heldEvent)).not.toContain(h1.head);
    });

    it('the quorum table: more than half of adults, or two thirds of households', () => {
      const q = (adultsPresent: number, adults: number, householdsPresent: number, households: number) =>
        meetingQuorumMet({ adultsPresent, adults, householdsPresent, households });
      expect(q(5, 10, 0, 9)).toBe(false); // exactly half of adults
      expect(q(6, 10, 0, 9)).toBe(true);
      expect(q(0, 10, 6, 9)).toBe(true); // exactly two thirds of households
      expect(q(0, 10, 5, 9)).toBe(false);
      expect(q(0, 0, 0, 0)).toBe(false); // an empty scope has no quorum
    });

    it('refuses meetings on matters not in discussion or voting', async () => {
      const draft = await f.matters.draft(f.req(STAFF), draftInput());
      const input = {
        matterId: draft.id,
        kind: 'STREET' as const,
        startsAt: new Date(),
        place: 'x',
        agenda: 'y',
      };
      await expect(f.discussion.scheduleMeeting(f.req(CHIEF), input)).rejects.toMatchObject({
        extensions: { code: 'CONFLICT', currentState: 'DRAFT' },
      });
      expect(await codeOf(f.discussion.scheduleMeeting(f.req(residentPrincipal(f.outsider)), input))).toBe(
        'FORBIDDEN',
      );
    });
  });

  describe('in-person ballots', () => {
    it('two-person entry against the attendance list; online and in person exclude each other; the tally counts both', async () => {
      const matterId = await f.discussed({ electorateKind: 'HOUSEHOLDS' });
      const meeting = await f.discussion.scheduleMeeting(f.req(CHIEF), {
        matterId,
        kind: 'STREET',
        startsAt: new Date('2026-12-05T11:00:00Z'),
        place: '正街活动室',
        agenda: '表决',
      });
      const [h1, h2, h3] = f.households as Household[] as [Household, Household, Household];
      await f.discussion.recordAttendance(f.req(CHIEF), meeting.id, [h1.head, h2.head, h3.adult]);
      // Before the vote opens: CONFLICT naming the state.
      await expect(
        f.discussion.enterInPersonBallot(f.req(CHIEF), {
          meetingId: meeting.id,
          residentId: h1.head,
          choices: ['FOR'],
        }),
      ).rejects.toMatchObject({ extensions: { code: 'CONFLICT', currentState: 'DISCUSSION' } });
      await f.matters.openVoting(f.req(STAFF), matterId, new Date('2026-12-10T00:00:00Z'), '表决');

      const entry = await f.discussion.enterInPersonBallot(f.req(CHIEF), {
        meetingId: meeting.id,
        residentId: h1.head,
        choices: ['FOR'],
      });
      expect(entry).toMatchObject({ status: 'PENDING', voterId: h1.id, choices: ['FOR'] });
      // One pending entry per voter.
      await expect(
        f.discussion.enterInPersonBallot(f.req(STAFF), {
          meetingId: meeting.id,
          residentId: h1.head,
          choices: ['AGAINST'],
        }),
      ).rejects.toMatchObject({ extensions: { code: 'CONFLICT', currentState: 'PENDING' } });
      // Not the head of their household (does not cast for it): refused.
      expect(
        await codeOf(
          f.discussion.enterInPersonBallot(f.req(CHIEF), {
            meetingId: meeting.id,
            residentId: h3.adult,
            choices: ['FOR'],
          }),
        ),
      ).toBe('BAD_USER_INPUT');
      // Not on the attendance list.
      expect(
        await codeOf(
          f.discussion.enterInPersonBallot(f.req(CHIEF), {
            meetingId: meeting.id,
            residentId: hh(4).head,
            choices: ['FOR'],
          }),
        ),
      ).toBe('BAD_USER_INPUT');
      // The one who entered it cannot confirm it; a chief is not the second (staff) person.
      expect(await codeOf(f.discussion.confirmInPersonBallot(f.req(CHIEF), entry.id))).toBe('FORBIDDEN');
      const confirmed = await f.discussion.confirmInPersonBallot(f.req(STAFF), entry.id);
      expect(confirmed.entry).toMatchObject({ status: 'CONFIRMED', decidedBy: 'staff-1', choices: null });
      expect(confirmed.receipt).toMatch(/^[0-9a-f]{64}$/);
      await expect(f.discussion.confirmInPersonBallot(f.req(STAFF2), entry.id)).rejects.toMatchObject({
        extensions: { code: 'CONFLICT', currentState: 'CONFIRMED' },
      });
      expect(await f.matters.verifyReceipt(matterId, confirmed.receipt)).toBe('COUNTED');
      // Voted in person: cannot vote online.
      await expect(
        f.matters.castBallot(f.req(residentPrincipal(h1.head)), matterId, ['AGAINST']),
      ).rejects.toMatchObject({
        extensions: { code: 'CONFLICT' },
      });
      // Voted online: cannot vote in person.
      await f.matters.castBallot(f.req(residentPrincipal(h2.head)), matterId, ['AGAINST']);
      await expect(
        f.discussion.enterInPersonBallot(f.req(CHIEF), {
          meetingId: meeting.id,
          residentId: h2.head,
          choices: ['FOR'],
        }),
      ).rejects.toMatchObject({ extensions: { code: 'CONFLICT' } });
      // A rejected entry keeps its log row and stores no ballot.
      const second = await f.discussion.enterInPersonBallot(f.req(CHIEF), {
        meetingId: meeting.id,
        residentId: h1.head,
        choices: ['AGAINST'],
      });
      const rejected = await f.discussion.rejectInPersonBallot(f.req(STAFF), second.id, '与本人口述不符');
      expect(rejected).toMatchObject({ status: 'REJECTED', choices: null, note: '与本人口述不符' });
      expect(await f.ds.getRepository(InPersonEntry).countBy({ matterId })).toBe(2);

      const participation = await f.ds.getRepository(Participation).findBy({ matterId });
      expect(participation.map((p) => [p.voterId, p.channel]).sort()).toEqual(
        [
          [h1.id, 'IN_PERSON'],
          [h2.id, 'ONLINE'],
        ].sort(),
      );
      // Secret ballot: no entry row keeps a choice once decided.
      const entries = await f.ds.getRepository(InPersonEntry).findBy({ matterId });
      expect(entries.every((e) => e.choices === null)).toBe(true);
      const closed = await f.matters.closeVote(f.req(STAFF), matterId, '结束');
      expect(closed.tally?.counts).toEqual({ FOR: 1, AGAINST: 1, ABSTAIN: 0 });
      expect((await f.matters.recount(matterId)).agrees).toBe(true);
      // The stored tally keeps the receipts' hash; the list comes from the counted ballots.
      const stored = await f.ds.getRepository(Matter).findOneByOrFail({ id: matterId });
      expect(stored.tally && 'receipts' in stored.tally).toBe(false);
      const receipts = await new DeliberationLoaders(f.ds, f.discussion).receipts.load(matterId);
      expect(receipts).toHaveLength(2);
      expect(receipts).toContain(confirmed.receipt);
      expect(listHash(receipts)).toBe(stored.tally?.ballotsHash);
      expect(PLACES.street).toBeTruthy();
    });
  });
});
