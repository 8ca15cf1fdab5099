import type { DataSource } from 'typeorm';
import { hasRole, requireAuthenticated, type Principal } from '@sc/auth';
import { ForbiddenError } from '@sc/graphql';
import type { RequestInfo } from '../context';
import { inScope, type Placed, type ViewScope } from '../domain/scope';

export { inScope, type Placed, type ViewScope } from '../domain/scope';
import { placesOfGrids } from '@sc/roster-contracts';

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
  /** Whether {@link requireStats} would let the principal through (for fields that answer null instead). */
  mayReadStats(principal: Principal | null): boolean {
    return (
      principal !== null &&
      hasRole(principal, 'COMMUNITY_STAFF', 'TOWN_OFFICER', 'COUNTY_VIEWER', 'STREET_CHIEF')
    );
  }

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

/** Chiefs act in their grid; staff of the community and ADMIN everywhere; nobody else writes. */
export async function requireWriteScope(req: RequestInfo, place: Placed): Promise<Principal> {
  const principal = requireAuthenticated(req.principal);
  const scope = await req.scope();
  if (scope.kind === 'all' || (scope.kind === 'places' && inScope(scope, place))) return principal;
  throw new ForbiddenError('requires COMMUNITY_STAFF of this community, or the STREET_CHIEF of the grid');
}
