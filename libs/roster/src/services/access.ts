import { hasRole, hasScope, type Principal } from '@sc/auth';

/**
 * The roster's read rules in one place (the services check them; resolvers never do):
 * places, grids, appointed chiefs and signboards are public; candidates, former chiefs, vetting and
 * history are for COMMUNITY_STAFF and TOWN_OFFICER; patrols for them and the chief of the grid.
 */
export const CHIEF_READERS = ['COMMUNITY_STAFF', 'TOWN_OFFICER'] as const;

/** May this principal see candidates, former chiefs, vetting and history? (ADMIN may.) */
export const canSeeCandidates = (p: Principal | null): boolean => hasRole(p, ...CHIEF_READERS);

/** Staff who organise trainings and read every chief's activities. */
export const ORGANISERS = ['COMMUNITY_STAFF', 'TOWN_OFFICER'] as const;

/** May this principal read the activities (patrols) of a chief of this grid? */
export function canSeeGridActivities(p: Principal | null, gridId: string | null): boolean {
  return (
    hasRole(p, ...ORGANISERS) ||
    (gridId !== null && hasRole(p, 'STREET_CHIEF') && hasScope(p, `grid:${gridId}`))
  );
}
