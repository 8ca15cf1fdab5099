import { z } from 'zod';
import { defineProducer, defineTopic } from '@sc/events';

/**
 * Events of the deliberation service (民事、民议、民定). Payloads carry matter ids, places, counts and
 * hashes — never a voter's identity or choice (两公开: decisions and results are public, who voted what
 * never). Key: matter id.
 */
export const DELIBERATION_SOURCE = '/caichang/deliberation';
export const MattersTopic = defineTopic({
  name: 'caichang.deliberation.matters.v1',
  description: 'Matters (议题): lifecycle, votes opened and closed with their tally. Key: matter id.',
  key: 'matter id',
});

const actor = z.string().describe('Account id of who made the change');
const base = {
  id: z.string().describe('Matter id'),
  actor,
  reason: z.string().describe('Why (as entered)'),
};
const counts = z.record(z.string(), z.number().int()).describe('Counted ballots per option');

export const DeliberationEvents = {
  matterDrafted: MattersTopic.event({
    type: 'cn.caichang.deliberation.matter.drafted.v1',
    description: 'A matter was drafted for a scope (courtyard, street, resident group or the community).',
    schema: z.object({
      ...base,
      kind: z.string(),
      scopeKind: z.enum(['COURTYARD', 'STREET', 'RESIDENT_GROUP', 'COMMUNITY']),
      scopeId: z.string(),
    }),
  }),
  openedForDiscussion: MattersTopic.event({
    type: 'cn.caichang.deliberation.matter.opened-for-discussion.v1',
    description: 'The matter is open for opinions and meetings (民议).',
    schema: z.object(base),
  }),
  openedForVoting: MattersTopic.event({
    type: 'cn.caichang.deliberation.matter.opened-for-voting.v1',
    description:
      'Voting opened (民定): the electorate is frozen; its size and SHA-256 over the sorted voter ids.',
    schema: z.object({
      ...base,
      electorateKind: z.enum(['HOUSEHOLDS', 'ADULT_RESIDENTS', 'HOMEOWNERS']),
      electorateSize: z.number().int(),
      electorateHash: z.string(),
      rule: z.string().describe('Rule preset (RESIDENTS_MEETING, HOMEOWNERS, RULES_OF_CONDUCT, CUSTOM)'),
      secret: z.boolean(),
      opensAt: z.string(),
      closesAt: z.string(),
    }),
  }),
  voteExtended: MattersTopic.event({
    type: 'cn.caichang.deliberation.vote.extended.v1',
    description: 'The closing time of an open vote was moved later, with a reason.',
    schema: z.object({ ...base, closesAt: z.string(), previousClosesAt: z.string() }),
  }),
  voteClosed: MattersTopic.event({
    type: 'cn.caichang.deliberation.vote.closed.v1',
    description:
      'The vote closed: turnout, quorum, each option’s count, outcome, and the hash of the counted ballots.',
    schema: z.object({
      ...base,
      electorateSize: z.number().int(),
      participants: z.number().int(),
      quorumMet: z.boolean(),
      counts,
      outcome: z.enum(['ADOPTED', 'REJECTED', 'QUORUM_NOT_MET']),
      winner: z.string().nullable(),
      ballotsHash: z.string().describe('SHA-256 over the sorted receipts of the counted ballots'),
    }),
  }),
  adopted: MattersTopic.event({
    type: 'cn.caichang.deliberation.matter.adopted.v1',
    description: 'The matter was adopted by the vote.',
    schema: z.object(base),
  }),
  rejected: MattersTopic.event({
    type: 'cn.caichang.deliberation.matter.rejected.v1',
    description: 'The matter was rejected by the vote (or missed quorum).',
    schema: z.object(base),
  }),
  withdrawn: MattersTopic.event({
    type: 'cn.caichang.deliberation.matter.withdrawn.v1',
    description: 'The matter was withdrawn before its vote closed.',
    schema: z.object(base),
  }),
  implementing: MattersTopic.event({
    type: 'cn.caichang.deliberation.matter.implementing.v1',
    description: 'Carrying out the adopted matter started.',
    schema: z.object(base),
  }),
  implemented: MattersTopic.event({
    type: 'cn.caichang.deliberation.matter.implemented.v1',
    description: 'The adopted matter was carried out (final report).',
    schema: z.object(base),
  }),
  opinionPosted: MattersTopic.event({
    type: 'cn.caichang.deliberation.opinion.posted.v1',
    description:
      'An opinion (民议) or a reply was posted on a matter. Ids and the author’s capacity, not the text.',
    schema: z.object({
      id: z.string().describe('Matter id'),
      opinionId: z.string(),
      replyTo: z.string().nullable().describe('The opinion replied to, null for a new opinion'),
      authorRole: z.enum(['RESIDENT', 'STREET_CHIEF', 'COMMUNITY_STAFF']),
      actor,
    }),
  }),
  opinionHidden: MattersTopic.event({
    type: 'cn.caichang.deliberation.opinion.hidden.v1',
    description: 'Staff hid an opinion, with a reason (the opinion is kept and visible to staff).',
    schema: z.object({
      id: z.string().describe('Matter id'),
      opinionId: z.string(),
      actor,
      reason: z.string(),
    }),
  }),
  meetingScheduled: MattersTopic.event({
    type: 'cn.caichang.deliberation.meeting.scheduled.v1',
    description: 'A meeting (院落会, 街区会) on the matter was scheduled: time, place, agenda.',
    schema: z.object({
      id: z.string().describe('Matter id'),
      meetingId: z.string(),
      kind: z.enum(['COURTYARD', 'STREET']),
      startsAt: z.string(),
      place: z.string(),
      actor,
    }),
  }),
  meetingHeld: MattersTopic.event({
    type: 'cn.caichang.deliberation.meeting.held.v1',
    description:
      'The chief recorded the minutes of a meeting: attendance counts and whether the residents’ meeting quorum was met (counts only, no names).',
    schema: z.object({
      id: z.string().describe('Matter id'),
      meetingId: z.string(),
      present: z.number().int(),
      adultsPresent: z.number().int(),
      adults: z.number().int(),
      householdsPresent: z.number().int(),
      households: z.number().int(),
      quorumMet: z.boolean(),
      actor,
    }),
  }),
  taskReported: MattersTopic.event({
    type: 'cn.caichang.deliberation.task.reported.v1',
    description:
      'Progress was reported on a task carrying out an adopted matter (percent; DONE at 100). Ids and figures only.',
    schema: z.object({
      id: z.string().describe('Matter id'),
      taskId: z.string(),
      percent: z.number().int().min(0).max(100),
      done: z.boolean(),
      dueAt: z.string(),
      overdue: z.boolean().describe('The report came after the due time (done late, or still open past it)'),
      actor,
    }),
  }),
};

/** Everything the deliberation service publishes (read by the AsyncAPI generator and the registry). */
export const DELIBERATION_EVENTS = defineProducer({
  service: 'deliberation',
  source: DELIBERATION_SOURCE,
  topics: [MattersTopic],
});
