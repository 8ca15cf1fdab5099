import type { Role } from '@sc/auth';
import { ConflictError } from '@sc/graphql';
import type { ChiefStatus } from '../entities/chief.entity';

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
 * lead. NOMINATE on a NOMINATED candidacy adds a nomination and stays; a failed vetting ends as
 * REJECTED; RETIRED and REJECTED are final.
 */
export const CHIEF_TRANSITIONS: Record<ChiefStatus, Partial<Record<ChiefAction, ChiefStatus>>> = {
  NOMINATED: { NOMINATE: 'NOMINATED', VET_PASS: 'VETTED', VET_FAIL: 'REJECTED', REJECT: 'REJECTED' },
  VETTED: { FILE: 'FILED', REJECT: 'REJECTED' },
  FILED: { APPOINT: 'APPOINTED', REJECT: 'REJECTED' },
  APPOINTED: { SUSPEND: 'SUSPENDED', RETIRE: 'RETIRED' },
  SUSPENDED: { RESUME: 'APPOINTED', RETIRE: 'RETIRED' },
  RETIRED: {},
  REJECTED: {},
};

/** Who may take each action (ADMIN may take all of them). */
export const CHIEF_ACTION_ROLES: Record<ChiefAction, Role[]> = {
  NOMINATE: ['RESIDENT', 'COMMUNITY_STAFF'],
  VET_PASS: ['COMMUNITY_STAFF'],
  VET_FAIL: ['COMMUNITY_STAFF'],
  FILE: ['TOWN_OFFICER'],
  APPOINT: ['TOWN_OFFICER'],
  SUSPEND: ['TOWN_OFFICER'],
  RESUME: ['TOWN_OFFICER'],
  RETIRE: ['TOWN_OFFICER'],
  REJECT: ['COMMUNITY_STAFF', 'TOWN_OFFICER'],
};

const VERB: Record<ChiefAction, string> = {
  NOMINATE: 'nominated',
  VET_PASS: 'vetted',
  VET_FAIL: 'vetted',
  FILE: 'filed',
  APPOINT: 'appointed',
  SUSPEND: 'suspended',
  RESUME: 'resumed',
  RETIRE: 'retired',
  REJECT: 'rejected',
};

/** The state after `action`, or CONFLICT naming the current state when the action is illegal there. */
export function nextChiefStatus(current: ChiefStatus, action: ChiefAction): ChiefStatus {
  const next = CHIEF_TRANSITIONS[current][action];
  if (!next) {
    throw new ConflictError(`A chief in state ${current} cannot be ${VERB[action]}`, {
      currentState: current,
      action,
    });
  }
  return next;
}
