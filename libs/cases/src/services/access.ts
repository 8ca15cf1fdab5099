import { hasRole, requireAuthenticated, type Principal } from '@sc/auth';
import { ForbiddenError } from '@sc/graphql';
import type { CaseRecord } from '../entities';

/**
 * Which cases a caller sees whole (the full view), as the repositories apply it in SQL:
 * - `all`: ADMIN, or COMMUNITY_STAFF holding `community:<code>` of this deployment;
 * - `grids`: a STREET_CHIEF, the cases routed to the grids of the token (`grid:<id>`);
 * - `escalated`: a TOWN_OFFICER, the cases escalated to the town or county;
 * - `own`: a RESIDENT with `resident:<id>`, the cases they reported;
 * - `none`: everyone else (COUNTY_VIEWER sees statistics only; anonymous callers the public view).
 */
export type CaseScope =
  | { kind: 'all' }
  | { kind: 'grids'; gridIds: string[] }
  | { kind: 'escalated' }
  | { kind: 'own'; residentId: string }
  | { kind: 'none' };

/** Access rules of the cases service. */
export class CasesAccess {
  constructor(private readonly communityCode: string) {}

  scopeOf(principal: Principal | null): CaseScope {
    if (!principal) return { kind: 'none' };
    const p = principal;
    if (p.roles.includes('ADMIN')) return { kind: 'all' };
    if (p.roles.includes('COMMUNITY_STAFF') && p.scopes.includes(`community:${this.communityCode}`)) {
      return { kind: 'all' };
    }
    if (p.roles.includes('STREET_CHIEF')) {
      return {
        kind: 'grids',
        gridIds: p.scopes.filter((s) => s.startsWith('grid:')).map((s) => s.slice('grid:'.length)),
      };
    }
    if (p.roles.includes('TOWN_OFFICER')) return { kind: 'escalated' };
    const self = p.roles.includes('RESIDENT') ? p.scopes.find((s) => s.startsWith('resident:')) : undefined;
    if (self) return { kind: 'own', residentId: self.slice('resident:'.length) };
    return { kind: 'none' };
  }

  /** True when the caller sees this case whole (reporter, description, internal notes, history). */
  seesWhole(principal: Principal | null, c: CaseRecord): boolean {
    return inCaseScope(this.scopeOf(principal), c);
  }

  /** The scope of a list: UNAUTHENTICATED when anonymous, FORBIDDEN when it holds nothing. */
  listScope(principal: Principal | null): Exclude<CaseScope, { kind: 'none' }> {
    requireAuthenticated(principal);
    const scope = this.scopeOf(principal);
    if (scope.kind === 'none') {
      throw new ForbiddenError(
        'listing cases requires COMMUNITY_STAFF, STREET_CHIEF, TOWN_OFFICER or RESIDENT (own cases)',
      );
    }
    return scope;
  }

  /** Staff of this community (triage and assignment everywhere) or ADMIN. */
  isStaff(principal: Principal | null): boolean {
    return this.scopeOf(principal).kind === 'all';
  }

  /** `Resident.cases`: the resident themself, staff of this community, ADMIN. */
  seesResidentCases(principal: Principal | null, residentId: string): boolean {
    const scope = this.scopeOf(principal);
    return scope.kind === 'all' || (scope.kind === 'own' && scope.residentId === residentId);
  }

  /**
   * `StreetChief.caseload` (aggregates): staff, town officers, county viewers, ADMIN; a STREET_CHIEF
   * for the chief of a grid of the token (`chiefGridId`: the grid the chief is appointed to).
   */
  seesCaseload(principal: Principal | null, chiefGridId: string | null): boolean {
    if (!principal) return false;
    if (hasRole(principal, 'ADMIN', 'COMMUNITY_STAFF', 'TOWN_OFFICER', 'COUNTY_VIEWER')) return true;
    const scope = this.scopeOf(principal);
    return scope.kind === 'grids' && chiefGridId !== null && scope.gridIds.includes(chiefGridId);
  }

  /** Aggregates are not personal data: staff, town officers, county viewers, chiefs, ADMIN. */
  requireStats(principal: Principal | null): Principal {
    const p = requireAuthenticated(principal);
    if (!hasRole(p, 'COMMUNITY_STAFF', 'TOWN_OFFICER', 'COUNTY_VIEWER', 'STREET_CHIEF')) {
      throw new ForbiddenError('requires role COMMUNITY_STAFF, TOWN_OFFICER, COUNTY_VIEWER or STREET_CHIEF');
    }
    return p;
  }
}

/** True when the case is inside the scope. */
export function inCaseScope(
  scope: CaseScope,
  c: Pick<CaseRecord, 'gridId' | 'escalationLevel' | 'reporterResidentId'>,
): boolean {
  switch (scope.kind) {
    case 'all':
      return true;
    case 'grids':
      return c.gridId !== null && scope.gridIds.includes(c.gridId);
    case 'escalated':
      return c.escalationLevel !== 'NONE';
    case 'own':
      return c.reporterResidentId !== null && c.reporterResidentId === scope.residentId;
    case 'none':
      return false;
  }
}
