import {
  DateScalar,
  DateTimeScalar,
  parseInput,
  parseOrderedPage,
  parsePage,
  storedEnum,
  upperSnake,
} from '@sc/graphql';
import { MATTER_ORDERS, MEETING_ORDERS, OPINION_ORDERS } from '../orders';
import { toCountedConnection } from '@sc/db';
import type { MatterAction, Resolvers } from '../__generated__/resolvers-types';
import { abstainingCanBlock } from '../domain/rules';
import type { Opinion, PublishedTally } from '../entities';
import { meetingQuorumMet } from '../services/discussion.service';
import { ruleOf } from '../services/matter.service';
import { residentOf } from '../services/scope';
import * as inputs from './inputs';

const share = (s: { num: number; den: number; strict: boolean }) =>
  `${s.strict ? '>' : '≥'}${s.num}/${s.den}`;
const tallyView = (matterId: string, t: PublishedTally, live: boolean) => ({
  ...t,
  matterId,
  live,
  counts: Object.entries(t.counts).map(([option, count]) => ({
    option,
    count,
    area: t.areaCounts?.[option] ?? null,
  })),
});

/** The deliberation resolver map: thin — parse the input, call the matter service. */
/** The GraphQL `MatterAction` values; stored as the service's method names (`openDiscussion`). */
const MATTER_ACTION_VALUES: readonly MatterAction[] = [
  'DRAFT',
  'OPEN_DISCUSSION',
  'OPEN_VOTING',
  'EXTEND_VOTE',
  'CLOSE_ADOPTED',
  'CLOSE_REJECTED',
  'START_IMPLEMENTING',
  'COMPLETE_IMPLEMENTATION',
  'WITHDRAW',
];

export const resolvers = {
  DateTime: DateTimeScalar,
  Date: DateScalar,
  Query: {
    matters: (_, args, ctx) =>
      ctx.matters.list(
        parseInput(inputs.matterFilter, args.filter, 'filter'),
        parseOrderedPage(args, MATTER_ORDERS),
      ),
    matter: (_, args, ctx) => ctx.loaders.matter.load(parseInput(inputs.matterId, args.id, 'id')),
    verifyReceipt: (_, args, ctx) =>
      ctx.matters.verifyReceipt(
        parseInput(inputs.matterId, args.matterId, 'matterId'),
        parseInput(inputs.receipt, args.receipt, 'receipt'),
      ),
    recount: async (_, args, ctx) => {
      const id = parseInput(inputs.matterId, args.matterId, 'matterId');
      const r = await ctx.matters.recount(id);
      return {
        ...r,
        published: tallyView(id, r.published, false),
        recomputed: tallyView(id, r.recomputed, false),
      };
    },
  },
  Mutation: {
    draftMatter: (_, { input }, ctx) => ctx.matters.draft(ctx, parseInput(inputs.draftInput, input)),
    openDiscussion: (_, args, ctx) =>
      ctx.matters.move(
        ctx,
        parseInput(inputs.matterId, args.id, 'id'),
        'openDiscussion',
        parseInput(inputs.reason, args.reason, 'reason'),
      ),
    openVoting: (_, args, ctx) =>
      ctx.matters.openVoting(
        ctx,
        parseInput(inputs.matterId, args.id, 'id'),
        parseInput(inputs.closesAt, args.closesAt, 'closesAt'),
        parseInput(inputs.reason, args.reason, 'reason'),
      ),
    extendVote: (_, args, ctx) =>
      ctx.matters.extendVote(
        ctx,
        parseInput(inputs.matterId, args.id, 'id'),
        parseInput(inputs.closesAt, args.closesAt, 'closesAt'),
        parseInput(inputs.requiredReason, args.reason, 'reason'),
      ),
    closeVote: (_, args, ctx) =>
      ctx.matters.closeVote(
        ctx,
        parseInput(inputs.matterId, args.id, 'id'),
        parseInput(inputs.reason, args.reason, 'reason'),
      ),
    castBallot: (_, { input }, ctx) => {
      const i = parseInput(inputs.castInput, input);
      return ctx.matters.castBallot(ctx, i.matterId, i.choices, i.voterId);
    },
    startImplementing: (_, args, ctx) =>
      ctx.matters.move(
        ctx,
        parseInput(inputs.matterId, args.id, 'id'),
        'startImplementing',
        parseInput(inputs.reason, args.reason, 'reason'),
      ),
    completeImplementation: (_, args, ctx) =>
      ctx.matters.move(
        ctx,
        parseInput(inputs.matterId, args.id, 'id'),
        'completeImplementation',
        parseInput(inputs.requiredReason, args.reason, 'reason'),
      ),
    postOpinion: (_, { input }, ctx) =>
      ctx.discussion.postOpinion(ctx, parseInput(inputs.postOpinionInput, input)),
    hideOpinion: (_, args, ctx) =>
      ctx.discussion.hideOpinion(
        ctx,
        parseInput(inputs.entityId, args.id, 'id'),
        parseInput(inputs.requiredReason, args.reason, 'reason'),
      ),
    scheduleMeeting: (_, { input }, ctx) =>
      ctx.discussion.scheduleMeeting(ctx, parseInput(inputs.scheduleMeetingInput, input)),
    recordAttendance: (_, args, ctx) =>
      ctx.discussion.recordAttendance(
        ctx,
        parseInput(inputs.entityId, args.meetingId, 'meetingId'),
        parseInput(inputs.residentIds, args.residentIds, 'residentIds'),
      ),
    recordMinutes: (_, args, ctx) =>
      ctx.discussion.recordMinutes(
        ctx,
        parseInput(inputs.entityId, args.meetingId, 'meetingId'),
        parseInput(inputs.minutes, args.minutes, 'minutes'),
      ),
    enterInPersonBallot: (_, { input }, ctx) =>
      ctx.discussion.enterInPersonBallot(ctx, parseInput(inputs.inPersonBallotInput, input)),
    confirmInPersonBallot: (_, args, ctx) =>
      ctx.discussion.confirmInPersonBallot(ctx, parseInput(inputs.entityId, args.id, 'id')),
    rejectInPersonBallot: (_, args, ctx) =>
      ctx.discussion.rejectInPersonBallot(
        ctx,
        parseInput(inputs.entityId, args.id, 'id'),
        parseInput(inputs.requiredReason, args.reason, 'reason'),
      ),
    grantProxy: (_, args, ctx) =>
      ctx.proxies.grant(
        ctx,
        parseInput(inputs.matterId, args.matterId, 'matterId'),
        parseInput(inputs.entityId, args.proxyResidentId, 'proxyResidentId'),
      ),
    revokeProxy: (_, args, ctx) =>
      ctx.proxies.revoke(ctx, parseInput(inputs.matterId, args.matterId, 'matterId')),
    chooseSupervisors: (_, args, ctx) =>
      ctx.implementation.chooseSupervisors(
        ctx,
        parseInput(inputs.matterId, args.matterId, 'matterId'),
        parseInput(inputs.supervisorIds, args.residentIds, 'residentIds'),
      ),
    addTask: (_, { input }, ctx) => ctx.implementation.addTask(ctx, parseInput(inputs.addTaskInput, input)),
    reportProgress: (_, { input }, ctx) =>
      ctx.implementation.reportProgress(ctx, parseInput(inputs.reportProgressInput, input)),
    addSupervisionNote: (_, { input }, ctx) =>
      ctx.implementation.addSupervisionNote(ctx, parseInput(inputs.supervisionNoteInput, input)),
    withdrawMatter: (_, args, ctx) =>
      ctx.matters.move(
        ctx,
        parseInput(inputs.matterId, args.id, 'id'),
        'withdraw',
        parseInput(inputs.requiredReason, args.reason, 'reason'),
      ),
  },
  Matter: {
    __resolveReference: (ref, ctx) => ctx.loaders.matter.load(ref.id),
    rule: (m) => m,
    electorate: (m) =>
      m.electorateSize === null || m.electorateHash === null
        ? null
        : { matterId: m.id, size: m.electorateSize, hash: m.electorateHash, area: m.electorateArea },
    turnout: async (m, _, ctx) => {
      if (m.electorateSize === null) return null;
      const t = await ctx.matters.turnout(m);
      return {
        ...t,
        abstainingCanBlock:
          m.status === 'VOTING' && abstainingCanBlock(ruleOf(m), m.electorateSize, t.participants),
      };
    },
    tally: async (m, _, ctx) => {
      const t = await ctx.matters.liveTally(m);
      return t ? tallyView(m.id, t, m.tally === null) : null;
    },
    transitions: (m, _, ctx) => ctx.loaders.transitions.load(m.id),
    opinions: (m, args, ctx) => ctx.loaders.matterOpinions(m.id, parseOrderedPage(args, OPINION_ORDERS)),
    meetings: (m, args, ctx) => ctx.loaders.matterMeetings(m.id, parseOrderedPage(args, MEETING_ORDERS)),
    supervisors: (m, _, ctx) => ctx.loaders.supervisors.load(m.id),
    tasks: (m, args, ctx) => ctx.loaders.matterTasks(m.id, parsePage(args)),
    progress: (m, _, ctx) => ctx.loaders.progress.load(m.id),
  },
  MatterTransition: {
    actionType: (t) => storedEnum(t.action, MATTER_ACTION_VALUES, upperSnake),
    // Resolved (and refused to non-staff) by the roster, which owns accounts.
    actorAccount: (t) => ({ id: t.actor }),
  },
  MatterTask: {
    overdue: (t, _, ctx) => t.status === 'OPEN' && ctx.now().getTime() > t.dueAt.getTime(),
    reports: (t, args, ctx) => ctx.loaders.taskReports(t.id, parsePage(args)),
  },
  Opinion: {
    replyTo: (o) => o.parentId,
    authorRole: (o) => o.authorRole as 'RESIDENT' | 'STREET_CHIEF' | 'COMMUNITY_STAFF',
    body: async (o, _, ctx) => (!o.hidden || (await ctx.loaders.seesDetails(o.matterId)) ? o.body : null),
    replies: (o, args, ctx) =>
      o.depth > 0
        ? // Replies do not nest: a reply's own list is always empty.
          toCountedConnection<Opinion>(
            [],
            0,
            (r) => r.id,
            () => Promise.resolve(0),
          )
        : ctx.loaders.opinionReplies(o.id, parseOrderedPage(args, OPINION_ORDERS)),
  },
  Meeting: {
    quorum: async (mt, _, ctx) => {
      const p = await ctx.loaders.presence.load(mt.id);
      const q = { ...p, adults: mt.adults, households: mt.households };
      return {
        ...q,
        met: meetingQuorumMet({ ...p, adults: mt.adults ?? 0, households: mt.households ?? 0 }),
        source:
          '城市居民委员会组织法 §9: more than half of the adult residents or two thirds of the households present',
      };
    },
    // Staff everywhere, a chief in own grid (ADR 0047); null for anyone else.
    attendance: async (mt, args, ctx) =>
      (await ctx.loaders.seesDetails(mt.matterId))
        ? ctx.loaders.meetingAttendance(mt.id, parsePage(args))
        : null,
    inPersonEntries: async (mt, args, ctx) =>
      (await ctx.loaders.seesDetails(mt.matterId))
        ? ctx.loaders.meetingEntries(mt.id, parsePage(args))
        : null,
  },
  Electorate: {
    proxies: (e, args, ctx) => ctx.loaders.matterProxies(e.matterId, parsePage(args)),
  },
  Tally: {
    // Live: none yet; a tally computed now carries its list; a stored one reads the ballots.
    receipts: (t, _, ctx) => (t.live ? [] : (t.receipts ?? ctx.loaders.receipts.load(t.matterId))),
  },
  VoteRuleView: {
    preset: (m) => ruleOf(m).preset,
    source: (m) => ruleOf(m).source,
    quorum: (m) => share(ruleOf(m).quorum),
    threshold: (m) =>
      `${share(ruleOf(m).threshold)} of ${ruleOf(m).thresholdBase === 'CAST' ? 'cast' : 'the electorate'}`,
    byArea: (m) => ruleOf(m).byArea,
  },
  Street: {
    __resolveReference: (ref) => ({ id: ref.id }),
    matters: (s, args, ctx) => ctx.loaders.streetMatters(s.id, parsePage(args)),
  },
  Courtyard: {
    __resolveReference: (ref) => ({ id: ref.id }),
    matters: (c, args, ctx) => ctx.loaders.courtyardMatters(c.id, parsePage(args)),
  },
  Household: {
    __resolveReference: (ref) => ({ id: ref.id }),
    ballotStatus: async (h, args, ctx) => {
      const matterId = parseInput(inputs.matterId, args.matterId, 'matterId');
      if (!(await ctx.loaders.seesDetails(matterId))) {
        // A member of the household (people read model), or its caster in this vote.
        const self = residentOf(ctx.principal);
        const voter = self ? await ctx.loaders.voter.load(self) : null;
        const status = voter ? await ctx.loaders.ballotStatus.load(`${h.id}\u0000${matterId}`) : null;
        const member = voter?.householdId === h.id || (!!status && status.casterResidentId === self);
        if (!member) return null;
        return status;
      }
      return ctx.loaders.ballotStatus.load(`${h.id}\u0000${matterId}`);
    },
  },
  Resident: {
    __resolveReference: (ref) => ({ id: ref.id }),
    votableMatters: (r, _, ctx) => ctx.matters.votableFor(ctx, r.id),
  },
} satisfies Resolvers;
