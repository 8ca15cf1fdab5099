import { defineLifecycle } from '@sc/service';
import { MATTER_STATES, type MatterState } from '../entities';

export const MATTER_ACTIONS = [
  'openDiscussion',
  'openVoting',
  'closeAdopted',
  'closeRejected',
  'startImplementing',
  'completeImplementation',
  'withdraw',
] as const;
export type MatterAction = (typeof MATTER_ACTIONS)[number];

/** DOMAIN.md "Lifecycles › Matter" as data: (state, action) → state, with the roles that may act. */
export const MATTER_LIFECYCLE = defineLifecycle<MatterState, MatterAction>({
  noun: 'matter',
  states: MATTER_STATES,
  actions: MATTER_ACTIONS,
  transitions: {
    DRAFT: { openDiscussion: 'DISCUSSION', withdraw: 'WITHDRAWN' },
    DISCUSSION: { openVoting: 'VOTING', withdraw: 'WITHDRAWN' },
    VOTING: { closeAdopted: 'ADOPTED', closeRejected: 'REJECTED', withdraw: 'WITHDRAWN' },
    ADOPTED: { startImplementing: 'IMPLEMENTING' },
    REJECTED: {},
    IMPLEMENTING: { completeImplementation: 'IMPLEMENTED' },
    IMPLEMENTED: {},
    WITHDRAWN: {},
  },
  roles: {
    openDiscussion: ['STREET_CHIEF', 'COMMUNITY_STAFF'],
    openVoting: ['COMMUNITY_STAFF'],
    closeAdopted: ['COMMUNITY_STAFF'],
    closeRejected: ['COMMUNITY_STAFF'],
    startImplementing: ['STREET_CHIEF', 'COMMUNITY_STAFF'],
    completeImplementation: ['STREET_CHIEF', 'COMMUNITY_STAFF'],
    withdraw: ['STREET_CHIEF', 'COMMUNITY_STAFF'],
  },
  verbs: {
    openDiscussion: 'opened for discussion',
    openVoting: 'opened for voting',
    closeAdopted: 'closed as adopted',
    closeRejected: 'closed as rejected',
    startImplementing: 'put into implementation',
    completeImplementation: 'completed',
    withdraw: 'withdrawn',
  },
});
