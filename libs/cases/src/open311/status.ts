import type { CaseOutcome, CaseState } from '@sc/cases-contracts';

/** Open311 GeoReport v2's two states of a service request. */
export const OPEN311_STATUSES = ['open', 'closed'] as const;
export type Open311Status = (typeof OPEN311_STATUSES)[number];

/**
 * The extended states FixMyStreet understands (its open311-adapter's list for request updates): sent
 * as `extended_status` on a request and `status` on each of its `notes`.
 */
export const FIXMYSTREET_STATUSES = [
  'open',
  'investigating',
  'action_scheduled',
  'in_progress',
  'fixed',
  'closed',
  'duplicate',
  'not_councils_responsibility',
  'no_further_action',
  'internal_referral',
] as const;
export type FixMyStreetStatus = (typeof FIXMYSTREET_STATUSES)[number];

/** A case's state and outcome as Open311 and FixMyStreet say them (docs/open311.md, ADR 0042). */
export interface Open311State {
  status: Open311Status;
  extended: FixMyStreetStatus;
}

const BY_OUTCOME: Record<CaseOutcome, FixMyStreetStatus> = {
  FIXED: 'fixed',
  PARTLY_FIXED: 'closed',
  NOT_OUR_RESPONSIBILITY: 'not_councils_responsibility',
  NO_FURTHER_ACTION: 'no_further_action',
  DUPLICATE: 'duplicate',
};

/**
 * The mapping: open while the community still works on it (REPORTED, ACCEPTED, ASSIGNED, IN_PROGRESS,
 * ESCALATED, REOPENED), closed once resolved (RESOLVED waits for the rating, and a bad rating reopens
 * it: Open311 then shows it open again), closed, rejected or a duplicate. Escalated to the town is still
 * in progress for the reporter, not FixMyStreet's internal_referral (which FixMyStreet treats as closed).
 */
export function open311State(state: CaseState, outcome: CaseOutcome | null): Open311State {
  switch (state) {
    case 'REPORTED':
    case 'REOPENED':
      return { status: 'open', extended: 'open' };
    case 'ACCEPTED':
      return { status: 'open', extended: 'investigating' };
    case 'ASSIGNED':
      return { status: 'open', extended: 'action_scheduled' };
    case 'IN_PROGRESS':
    case 'ESCALATED':
      return { status: 'open', extended: 'in_progress' };
    case 'RESOLVED':
    case 'CLOSED':
      return { status: 'closed', extended: outcome ? BY_OUTCOME[outcome] : 'closed' };
    case 'REJECTED':
      return { status: 'closed', extended: 'no_further_action' };
    case 'DUPLICATE':
      return { status: 'closed', extended: 'duplicate' };
  }
}

/** The case states an Open311 `status` filter selects. */
export function statesOf(status: Open311Status, all: readonly CaseState[]): CaseState[] {
  return all.filter((s) => open311State(s, null).status === status);
}
