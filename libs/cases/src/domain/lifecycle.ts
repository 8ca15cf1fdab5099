import { CASE_STATES, type CaseState } from '@sc/cases-contracts';
import { defineLifecycle } from '@sc/service';

export const CASE_ACTIONS = [
  'ACCEPT',
  'ASSIGN',
  'START',
  'RESOLVE',
  'RATE',
  'CONFIRM',
  'AUTO_CLOSE',
  'REOPEN',
  'ESCALATE',
  'REJECT',
  'MARK_DUPLICATE',
] as const;
export type CaseAction = (typeof CASE_ACTIONS)[number];

/**
 * Every action a case's history or its followers' updates name (the GraphQL enum `CaseAction`): the
 * report, the lifecycle actions, staff corrections, and public notes (updates only).
 */
export const CASE_HISTORY_ACTIONS = ['REPORT', ...CASE_ACTIONS, 'CORRECT', 'NOTE'] as const;

/** States a case is still being worked in (open): the overdue sweep and "open cases" look at these. */
export const OPEN_STATES: readonly CaseState[] = [
  'REPORTED',
  'ACCEPTED',
  'ASSIGNED',
  'IN_PROGRESS',
  'ESCALATED',
  'REOPENED',
];

/**
 * The case lifecycle of DOMAIN.md as data (派单 → 签收 → 办理 → 办结 → 回访): from each state, the
 * actions allowed and where they lead, and who may take each (ADMIN may take all). ASSIGN from
 * ASSIGNED or IN_PROGRESS reassigns; ESCALATE from ESCALATED goes from the town to the county. A
 * rating of 3–5 closes (RATE), 1–2 reopens (REOPEN, with the rating kept). AUTO_CLOSE is the
 * sweeper's (no rating after the wait): no role takes it by hand. REJECTED and DUPLICATE are final;
 * CLOSED reopens within 30 days (the service checks the window).
 */
export const CASE_LIFECYCLE = defineLifecycle<CaseState, CaseAction>({
  noun: 'case',
  states: CASE_STATES,
  actions: CASE_ACTIONS,
  transitions: {
    REPORTED: { ACCEPT: 'ACCEPTED', REJECT: 'REJECTED', MARK_DUPLICATE: 'DUPLICATE' },
    ACCEPTED: {
      ASSIGN: 'ASSIGNED',
      ESCALATE: 'ESCALATED',
      REJECT: 'REJECTED',
      MARK_DUPLICATE: 'DUPLICATE',
    },
    ASSIGNED: {
      ASSIGN: 'ASSIGNED',
      START: 'IN_PROGRESS',
      ESCALATE: 'ESCALATED',
      MARK_DUPLICATE: 'DUPLICATE',
    },
    IN_PROGRESS: { ASSIGN: 'ASSIGNED', RESOLVE: 'RESOLVED', ESCALATE: 'ESCALATED' },
    ESCALATED: { ASSIGN: 'ASSIGNED', ESCALATE: 'ESCALATED', REJECT: 'REJECTED' },
    RESOLVED: { RATE: 'CLOSED', CONFIRM: 'CLOSED', AUTO_CLOSE: 'CLOSED', REOPEN: 'REOPENED' },
    CLOSED: { REOPEN: 'REOPENED' },
    REOPENED: { ASSIGN: 'ASSIGNED', START: 'IN_PROGRESS', ESCALATE: 'ESCALATED' },
    REJECTED: {},
    DUPLICATE: {},
  },
  roles: {
    ACCEPT: ['COMMUNITY_STAFF', 'STREET_CHIEF'],
    ASSIGN: ['COMMUNITY_STAFF', 'TOWN_OFFICER', 'STREET_CHIEF'],
    START: ['STREET_CHIEF', 'COMMUNITY_STAFF', 'TOWN_OFFICER'],
    RESOLVE: ['STREET_CHIEF', 'COMMUNITY_STAFF', 'TOWN_OFFICER'],
    RATE: ['RESIDENT'],
    CONFIRM: ['STREET_CHIEF', 'COMMUNITY_STAFF'],
    AUTO_CLOSE: [],
    REOPEN: ['RESIDENT', 'STREET_CHIEF', 'COMMUNITY_STAFF'],
    ESCALATE: ['STREET_CHIEF', 'COMMUNITY_STAFF', 'TOWN_OFFICER'],
    REJECT: ['COMMUNITY_STAFF', 'TOWN_OFFICER'],
    MARK_DUPLICATE: ['COMMUNITY_STAFF', 'STREET_CHIEF'],
  },
  verbs: {
    ACCEPT: 'accepted',
    ASSIGN: 'assigned',
    START: 'started',
    RESOLVE: 'resolved',
    RATE: 'rated',
    CONFIRM: 'confirmed',
    AUTO_CLOSE: 'closed',
    REOPEN: 'reopened',
    ESCALATE: 'escalated',
    REJECT: 'rejected',
    MARK_DUPLICATE: 'marked a duplicate',
  },
});
