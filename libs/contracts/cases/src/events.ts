import { z } from 'zod';
import { defineProducer, defineTopic, eventsOn } from '@sc/events';

/**
 * Events of the cases service (诉求/隐患/事件). Payloads carry ids and non-personal fields only: never
 * the reporter (not even as an id: a county ledger does not need to know who complained), never a
 * description or a note. Every case event carries the same snapshot of what a ledger needs (item
 * and its version, places, times, outcome, rating), so a county system can rebuild the ledger
 * (台账) from these events alone, in any order of families, as long as one case's events stay in
 * order (the key is the case id).
 */
export const CASES_SOURCE = '/caichang/cases';

export const CasesTopic = defineTopic({
  name: 'caichang.cases.cases.v1',
  description:
    'Cases (诉求/隐患/事件) from report to close: every transition, overdue and rating. Key: case id.',
  key: 'case id',
});
export const CampaignsTopic = defineTopic({
  name: 'caichang.cases.campaigns.v1',
  description: 'Campaigns (e.g. 百日攻坚, the 100-day campaign): started and ended. Key: campaign id.',
  key: 'campaign id',
});

/** ADMIN's edits of the taxonomy and of the working-day calendar (ADR 0048). */
export const TaxonomyTopic = defineTopic({
  name: 'caichang.cases.taxonomy.v1',
  description:
    'Taxonomy items added, revised (a new version) or retired, and working-day calendar years changed. Key: item code, or `calendar:<year>`.',
  key: 'item code, or calendar:<year>',
});

export const CASE_STATES = [
  'REPORTED',
  'ACCEPTED',
  'ASSIGNED',
  'IN_PROGRESS',
  'RESOLVED',
  'CLOSED',
  'ESCALATED',
  'REJECTED',
  'DUPLICATE',
  'REOPENED',
] as const;
/** Where a case came in; OPEN311: POSTed by a client system through Open311 GeoReport v2 (added, ADR 0042). */
export const CASE_CHANNELS = [
  'PHONE',
  'IN_PERSON',
  'PATROL',
  'PLATFORM',
  'HOTLINE_12345',
  'OPEN311',
] as const;
export const CASE_OUTCOMES = [
  'FIXED',
  'PARTLY_FIXED',
  'NOT_OUR_RESPONSIBILITY',
  'NO_FURTHER_ACTION',
  'DUPLICATE',
] as const;

const state = z.enum(CASE_STATES);
const iso = z.string().describe('ISO-8601 date-time');
const isoOrNull = iso.nullable();

/** The ledger snapshot every case event carries: the case as it is after the change. */
const snapshot = {
  caseId: z.string().describe('Case id'),
  state: state.describe('State after the change'),
  previousState: state.nullable().describe('State before the change; null when reported'),
  action: z.string().describe('What happened, e.g. ACCEPT, ASSIGN, SWEEP'),
  channel: z.enum(CASE_CHANNELS),
  categoryCode: z.string().nullable().describe('Taxonomy category; null until an item is set'),
  itemCode: z.string().nullable().describe('Taxonomy item (9大类29项); null until set'),
  itemVersion: z.number().int().nullable().describe('Version of the item the deadlines come from'),
  communityId: z.string(),
  streetId: z.string(),
  courtyardId: z.string().nullable(),
  gridId: z.string().nullable().describe('Grid of the place when routed; null: uncovered'),
  reportedAt: iso,
  acceptedAt: isoOrNull,
  respondDueAt: isoOrNull,
  resolveDueAt: isoOrNull,
  respondedAt: isoOrNull.describe('First assignment (the response)'),
  resolvedAt: isoOrNull,
  closedAt: isoOrNull,
  outcome: z.enum(CASE_OUTCOMES).nullable(),
  rating: z.number().int().min(1).max(5).nullable(),
  reopenCount: z.number().int(),
  escalationLevel: z.enum(['NONE', 'TOWN', 'COUNTY']),
  at: iso.describe('When the change happened'),
  actor: z.string().describe('Account id of who made the change (`system` for the sweeper)'),
};
const caseEvent = z.object(snapshot);
const assigned = z.object({
  ...snapshot,
  assigneeKind: z.enum(['CHIEF', 'STAFF', 'DEPARTMENT', 'TOWN']),
  assigneeId: z.string().nullable().describe('Chief id for a chief; null otherwise'),
});
const duplicate = z.object({ ...snapshot, originalCaseId: z.string() });
const overdue = z.object({
  ...snapshot,
  deadline: z.enum(['RESPOND', 'RESOLVE']),
  dueAt: iso,
});
// ---- intake (h-cases-intake): me too, staff correction ----
const supported = z.object({
  ...snapshot,
  supportCount: z.number().int().describe('Residents supporting the case ("me too", 附议) after this one'),
});
const corrected = z.object({
  ...snapshot,
  previousItemCode: z.string().nullable().describe('Item before the correction'),
  previousStreetId: z.string().describe('Street before the correction'),
  previousCourtyardId: z.string().nullable().describe('Courtyard before the correction'),
  previousGridId: z.string().nullable().describe('Grid before the correction (the case is re-routed)'),
  deadlinesRecomputed: z
    .boolean()
    .describe('False: the deadlines are still those of the original accept; true: staff recomputed them'),
});
// ---- end intake ----
const closed = z.object({
  ...snapshot,
  closedBy: z.enum(['RATING', 'RECTIFICATION_CHECK', 'NO_RATING']),
});

const caseEvents = {
  caseReported: ['cn.caichang.cases.case.reported.v1', caseEvent, 'A case was reported (any channel).'],
  caseAccepted: [
    'cn.caichang.cases.case.accepted.v1',
    caseEvent,
    'A case was triaged: its item set and its deadlines computed from that item version.',
  ],
  caseAssigned: [
    'cn.caichang.cases.case.assigned.v1',
    assigned,
    'A case was assigned (or reassigned) to a chief, staff, a department or the town.',
  ],
  caseStarted: ['cn.caichang.cases.case.started.v1', caseEvent, 'Work on a case started.'],
  caseEscalated: [
    'cn.caichang.cases.case.escalated.v1',
    caseEvent,
    'A case was escalated (to the town or the county), by a person or by the overdue rule.',
  ],
  caseResolved: [
    'cn.caichang.cases.case.resolved.v1',
    caseEvent,
    'The assignee reported what was done; the outcome says whether it was fixed.',
  ],
  caseRated: [
    'cn.caichang.cases.case.rated.v1',
    caseEvent,
    'The reporter rated a resolved case (1–5); a rating of 2 or less reopens it.',
  ],
  caseClosed: [
    'cn.caichang.cases.case.closed.v1',
    closed,
    "A case was closed: by the reporter's rating, the chief's rectification check, or with no rating after 7 days.",
  ],
  caseRejected: ['cn.caichang.cases.case.rejected.v1', caseEvent, 'A case was rejected (with a reason).'],
  caseMarkedDuplicate: [
    'cn.caichang.cases.case.marked-duplicate.v1',
    duplicate,
    'A case was found to duplicate another open case; its reporter follows the original.',
  ],
  caseReopened: [
    'cn.caichang.cases.case.reopened.v1',
    caseEvent,
    'A resolved or closed case was reopened (low rating or the problem came back, within 30 days).',
  ],
  caseOverdue: [
    'cn.caichang.cases.case.overdue.v1',
    overdue,
    'A case passed its response or resolve deadline (once per deadline).',
  ],
  caseDueSoon: [
    'cn.caichang.cases.case.due-soon.v1',
    overdue,
    'A case has used most of the time to a deadline (the warning share is a setting), once per deadline.',
  ],
  // ---- intake (h-cases-intake) ----
  caseSupported: [
    'cn.caichang.cases.case.supported.v1',
    supported,
    'A resident said "me too" (附议) on an open case instead of reporting it again (once per resident; who is not said).',
  ],
  caseCorrected: [
    'cn.caichang.cases.case.corrected.v1',
    corrected,
    'Staff corrected the item or the place of a case (re-routed to the grid of the place); the ledger moves with it.',
  ],
  // ---- end intake ----
} as const;

const campaign = z.object({
  campaignId: z.string(),
  name: z.string().describe('Public name, e.g. 百日攻坚'),
  scopeKind: z.enum(['COMMUNITY', 'STREET', 'GRID']),
  scopeId: z.string(),
  startsOn: z.string().describe('YYYY-MM-DD'),
  endsOn: z.string().describe('YYYY-MM-DD'),
  at: iso,
  actor: z.string(),
});
export const CAMPAIGN_TARGET_NAMES = [
  'HOUSEHOLDS_VISITED',
  'MERCHANTS_VISITED',
  'HAZARDS_FOUND',
  'HAZARDS_RECTIFIED',
  'EXTINGUISHERS_INSTALLED',
  'CAMERAS_INSTALLED',
  'EV_CHARGING_POINTS',
] as const;
const targetName = z.enum(CAMPAIGN_TARGET_NAMES);
const campaignStarted = campaign.extend({
  targets: z.array(z.object({ name: targetName, goal: z.number().int() })).describe('The goals'),
});
const campaignEnded = campaign.extend({
  targets: z
    .array(z.object({ name: targetName, goal: z.number().int(), achieved: z.number().int() }))
    .describe('The goals and what was achieved in the period (hazard figures frozen at the end)'),
});
const campaignEvents = {
  campaignStarted: [
    'cn.caichang.cases.campaign.started.v1',
    campaignStarted,
    'A campaign started (its first day began, China time), with its goals.',
  ],
  campaignEnded: [
    'cn.caichang.cases.campaign.ended.v1',
    campaignEnded,
    'A campaign ended (its last day passed), with its goals and final figures.',
  ],
} as const;

// ---- taxonomy editing (ADR 0048) ----
const timeLimit = z.object({
  value: z.number().int(),
  unit: z.enum(['HOURS', 'WORKING_DAYS']),
});
const itemVersion = z.object({
  itemCode: z.string().describe('Taxonomy item'),
  version: z.number().int().describe('The new version (cases accepted from now on get it)'),
  previousVersion: z.number().int().nullable().describe('The version it replaces; null for a new item'),
  categoryCode: z.string(),
  name: z.string().describe('Chinese name'),
  respondLimit: timeLimit,
  resolveLimit: timeLimit,
  confirmation: z.enum(['RATING', 'RECTIFICATION_CHECK']),
  defaultAssignee: z.enum(['GRID_CHIEF', 'COMMUNITY_STAFF']),
  urgent: z.boolean(),
  active: z.boolean().describe('False: retired, no new case may use it'),
  reason: z.string().describe('Why the version was made'),
  at: iso,
  actor: z.string().describe('Account id of the ADMIN'),
});
const calendarDay = z.object({
  date: z.string().describe('YYYY-MM-DD, China'),
  kind: z.enum(['HOLIDAY', 'WORKDAY']),
  name: z.string(),
});
const calendarSet = z.object({
  year: z.number().int(),
  days: z.array(calendarDay).describe("The year's whole table after the change, by date"),
  reason: z.string(),
  at: iso,
  actor: z.string(),
});
const calendarDayRemoved = z.object({
  year: z.number().int(),
  removed: calendarDay.describe('The entry removed'),
  reason: z.string(),
  at: iso,
  actor: z.string(),
});
const taxonomyEvents = {
  taxonomyItemAdded: [
    'cn.caichang.cases.taxonomy.item-added.v1',
    itemVersion,
    'ADMIN added an item to a category (its version 1).',
  ],
  taxonomyItemRevised: [
    'cn.caichang.cases.taxonomy.item-revised.v1',
    itemVersion,
    'ADMIN edited an item: a new version for cases accepted from now on; filed cases keep theirs.',
  ],
  taxonomyItemRetired: [
    'cn.caichang.cases.taxonomy.item-retired.v1',
    itemVersion,
    'ADMIN retired an item (a new version, inactive): no new cases on it; existing cases keep it.',
  ],
  workCalendarSet: [
    'cn.caichang.cases.taxonomy.calendar-set.v1',
    calendarSet,
    "ADMIN replaced a year's table of public holidays and adjusted working days (new deadlines use it).",
  ],
  workCalendarDayRemoved: [
    'cn.caichang.cases.taxonomy.calendar-day-removed.v1',
    calendarDayRemoved,
    'ADMIN removed one entry of the working-day calendar (new deadlines use the table without it).',
  ],
} as const;
// ---- end taxonomy editing ----

export const CaseEvents = eventsOn(CasesTopic, caseEvents);
export const TaxonomyEvents = eventsOn(TaxonomyTopic, taxonomyEvents);
export const CampaignEvents = eventsOn(CampaignsTopic, campaignEvents);
export type CaseEventData = z.infer<typeof caseEvent>;
export type CaseState = (typeof CASE_STATES)[number];
export type CaseChannel = (typeof CASE_CHANNELS)[number];
export type CaseOutcome = (typeof CASE_OUTCOMES)[number];

/** Everything the cases service publishes (read by the AsyncAPI generator and the registry). */
export const CASES_EVENTS = defineProducer({
  service: 'cases',
  source: CASES_SOURCE,
  topics: [CasesTopic, CampaignsTopic, TaxonomyTopic],
});
