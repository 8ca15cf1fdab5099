import type { DataSource } from 'typeorm';
import { hasRole, requireAuthenticated, type Principal } from '@sc/auth';
import { ForbiddenError } from '@sc/graphql';
import type { RequestInfo } from '../context';
import { placesOfGrids } from '@sc/roster-contracts';

/**
 * Which residents (and households) a caller may see, and so see whole:
 * - `all`: ADMIN, or COMMUNITY_STAFF holding `community:<code>` of this deployment;
 * - `places`: a STREET_CHIEF, limited to the streets and courtyards of the grids in the token
 *   (`grid:<id>` scopes, resolved through the grid read model);
 * - `self`: a RESIDENT with `resident:<id>`: own record only;
 * - `none`: everyone else (TOWN_OFFICER, COUNTY_VIEWER, staff of another community…).
 */
export type ViewScope =
  | { kind: 'all' }
  | { kind: 'places'; streetIds: string[]; courtyardIds: string[] }
  | { kind: 'self'; residentId: string }
  | { kind: 'none' };

/** Where a record sits, for the scope check. */
export interface Placed {
  id?: string;
  streetId: string | null;
  courtyardId: string | null;
}

/** Access rules of the people service; one instance per service, scopes resolved per request. */
export class PeopleAccess {
  constructor(
    private readonly ds: DataSource,
    private readonly communityCode: string,
  ) {}

  /** The caller's view scope; UNAUTHENTICATED for an anonymous caller. */
  async scopeOf(principal: Principal | null): Promise<ViewScope> {
    const p = requireAuthenticated(principal);
    if (p.roles.includes('ADMIN')) return { kind: 'all' };
    if (p.roles.includes('COMMUNITY_STAFF') && p.scopes.includes(`community:${this.communityCode}`)) {
      return { kind: 'all' };
    }
    if (p.roles.includes('STREET_CHIEF')) {
      const gridIds = p.scopes.filter((s) => s.startsWith('grid:')).map((s) => s.slice('grid:'.length));
      if (gridIds.length === 0) return { kind: 'places', streetIds: [], courtyardIds: [] };
      return { kind: 'places', ...(await placesOfGrids(this.ds.manager, gridIds)) };
    }
    const self = p.roles.includes('RESIDENT') ? p.scopes.find((s) => s.startsWith('resident:')) : undefined;
    if (self) return { kind: 'self', residentId: self.slice('resident:'.length) };
    return { kind: 'none' };
  }

  /** Scope for lists: FORBIDDEN unless the caller can list anyone (a resident cannot list). */
  async listScope(principal: Principal | null): Promise<Exclude<ViewScope, { kind: 'none' | 'self' }>> {
    const scope = await this.scopeOf(principal);
    if (scope.kind === 'none' || scope.kind === 'self') {
      throw new ForbiddenError('requires role COMMUNITY_STAFF (of this community) or STREET_CHIEF');
    }
    return scope;
  }

  /** Aggregates are not personal data: staff, town officers, county viewers, chiefs. */
  requireStats(principal: Principal | null): Principal {
    const p = requireAuthenticated(principal);
    if (!hasRole(p, 'COMMUNITY_STAFF', 'TOWN_OFFICER', 'COUNTY_VIEWER', 'STREET_CHIEF')) {
      throw new ForbiddenError('requires role COMMUNITY_STAFF, TOWN_OFFICER, COUNTY_VIEWER or STREET_CHIEF');
    }
    return p;
  }

  /** Staff who manage people records and read the access log. */
  requireStaff(principal: Principal | null): Principal {
    const p = requireAuthenticated(principal);
    const staff =
      p.roles.includes('ADMIN') ||
      (p.roles.includes('COMMUNITY_STAFF') && p.scopes.includes(`community:${this.communityCode}`));
    if (!staff) throw new ForbiddenError('requires role COMMUNITY_STAFF of this community');
    return p;
  }
}

/** True when the record is inside the scope (for a household, `id` is not a resident id). */
export function inScope(scope: ViewScope, record: Placed, residentId?: string): boolean {
  switch (scope.kind) {
    case 'all':
      return true;
    case 'none':
      return false;
    case 'self':
      return residentId !== undefined && residentId === scope.residentId;
    case 'places':
      return (
        (record.streetId !== null && scope.streetIds.includes(record.streetId)) ||
        (record.courtyardId !== null && scope.courtyardIds.includes(record.courtyardId))
      );
  }
}

/** Chiefs act in their grid; staff of the community and ADMIN everywhere; nobody else writes. */
export async function requireWriteScope(req: RequestInfo, place: Placed): Promise<Principal> {
  const principal = requireAuthenticated(req.principal);
  const scope = await req.scope();
  if (scope.kind === 'all' || (scope.kind === 'places' && inScope(scope, place))) return principal;
  throw new ForbiddenError('requires COMMUNITY_STAFF of this community, or the STREET_CHIEF of the grid');
}
