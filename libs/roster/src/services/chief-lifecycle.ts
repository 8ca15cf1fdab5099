import { defineLifecycle } from '@sc/service';
import { CHIEF_STATUSES, type ChiefStatus } from '../entities/chief.entity';

export const CHIEF_ACTIONS = [
  'NOMINATE',
  'VET_PASS',
  'VET_FAIL',
  'FILE',
  'APPOINT',
  'SUSPEND',
  'RESUME',
  'RETIRE',
  'REJECT',
] as const;
export type ChiefAction = (typeof CHIEF_ACTIONS)[number];

/**
 * The selection lifecycle of DOMAIN.md as data: from each state, the actions allowed and where they
 * lead, and who may take each action (ADMIN may take all of them). NOMINATE on a NOMINATED candidacy
 * adds a nomination and stays; a failed vetting ends as REJECTED; RETIRED and REJECTED are final.
 */
export const CHIEF_LIFECYCLE = defineLifecycle<ChiefStatus, ChiefAction>({
  noun: 'chief',
  states: CHIEF_STATUSES,
  actions: CHIEF_ACTIONS,
  transitions: {
    NOMINATED: { NOMINATE: 'NOMINATED', VET_PASS: 'VETTED', VET_FAIL: 'REJECTED', REJECT: 'REJECTED' },
    VETTED: { FILE: 'FILED', REJECT: 'REJECTED' },
    FILED: { APPOINT: 'APPOINTED', REJECT: 'REJECTED' },
    APPOINTED: { SUSPEND: 'SUSPENDED', RETIRE: 'RETIRED' },
    SUSPENDED: { RESUME: 'APPOINTED', RETIRE: 'RETIRED' },
    RETIRED: {},
    REJECTED: {},
  },
  roles: {
    NOMINATE: ['RESIDENT', 'COMMUNITY_STAFF'],
    VET_PASS: ['COMMUNITY_STAFF'],
    VET_FAIL: ['COMMUNITY_STAFF'],
    FILE: ['TOWN_OFFICER'],
    APPOINT: ['TOWN_OFFICER'],
    SUSPEND: ['TOWN_OFFICER'],
    RESUME: ['TOWN_OFFICER'],
    RETIRE: ['TOWN_OFFICER'],
    REJECT: ['COMMUNITY_STAFF', 'TOWN_OFFICER'],
  },
  verbs: {
    NOMINATE: 'nominated',
    VET_PASS: 'vetted',
    VET_FAIL: 'vetted',
    FILE: 'filed',
    APPOINT: 'appointed',
    SUSPEND: 'suspended',
    RESUME: 'resumed',
    RETIRE: 'retired',
    REJECT: 'rejected',
  },
});

/** The table itself, for specs and docs. */
export const CHIEF_TRANSITIONS = CHIEF_LIFECYCLE.transitions;
export const CHIEF_ACTION_ROLES = CHIEF_LIFECYCLE.roles;
