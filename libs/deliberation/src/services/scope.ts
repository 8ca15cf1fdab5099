import type { EntityManager } from 'typeorm';
import { hasRole, type Principal } from '@sc/auth';
import { ForbiddenError } from '@sc/graphql';
import { PeopleVoter } from '@sc/people-contracts';
import { GridPlace, RosterPlace } from '@sc/roster-contracts';
import type { ScopeKind } from '../entities';

/** The resident id of a RESIDENT principal (its `resident:<id>` scope), else null. */
export const residentOf = (p: Principal | null): string | null => {
  if (!p || !p.roles.includes('RESIDENT')) return null;
  return p.scopes.find((s) => s.startsWith('resident:'))?.slice('resident:'.length) ?? null;
};

/** Street ids of a scope (roster places read model). */
export async function streetsOf(m: EntityManager, kind: ScopeKind, id: string): Promise<string[]> {
  const places = m.getRepository(RosterPlace);
  if (kind === 'STREET') return [id];
  if (kind === 'COURTYARD') {
    const c = await places.findOneBy({ id });
    return c?.parentId ? [c.parentId] : [];
  }
  const where =
    kind === 'RESIDENT_GROUP'
      ? { kind: 'STREET' as const, parentId: id }
      : { kind: 'STREET' as const, communityId: id };
  return (await places.findBy(where)).map((p) => p.id);
}

/** The voter (people read model) when the resident lives, today, in the scope; else null. */
export async function voterInScope(
  m: EntityManager,
  scope: { scopeKind: ScopeKind; scopeId: string },
  residentId: string,
): Promise<PeopleVoter | null> {
  const voter = await m.getRepository(PeopleVoter).findOneBy({ id: residentId, status: 'ACTIVE' });
  if (!voter) return null;
  if (scope.scopeKind === 'COURTYARD') return voter.courtyardId === scope.scopeId ? voter : null;
  const streets = await streetsOf(m, scope.scopeKind, scope.scopeId);
  return streets.includes(voter.streetId ?? '') ? voter : null;
}

/** The `grid:<id>` scopes of a STREET_CHIEF principal (the grids in the chief's charge), else []. */
export const chiefGridsOf = (p: Principal | null): string[] =>
  p && p.roles.includes('STREET_CHIEF')
    ? p.scopes.filter((s) => s.startsWith('grid:')).map((s) => s.slice('grid:'.length))
    : [];

/**
 * Whether a matter's scope lies in some grids (roster's grid read model, as cases routes a place: a
 * courtyard belongs to its own grid if it has one, else to its street's): a courtyard or a street of
 * the grids, or a resident group / the community all of whose streets are in them (ADR 0047).
 * `gridsOf(placeId, kind)` gives the grids holding a place as that kind.
 */
export async function scopeInGrids(
  m: EntityManager,
  matter: { scopeKind: ScopeKind; scopeId: string; streetId: string | null },
  gridIds: ReadonlySet<string>,
  gridsOf: (placeId: string, kind: 'STREET' | 'COURTYARD') => Promise<string[]>,
): Promise<boolean> {
  if (gridIds.size === 0) return false;
  const any = (grids: string[]) => grids.some((g) => gridIds.has(g));
  if (matter.scopeKind === 'COURTYARD') {
    const own = await gridsOf(matter.scopeId, 'COURTYARD');
    if (own.length > 0) return any(own);
    return matter.streetId !== null && any(await gridsOf(matter.streetId, 'STREET'));
  }
  if (matter.scopeKind === 'STREET') return any(await gridsOf(matter.scopeId, 'STREET'));
  const streets = await streetsOf(m, matter.scopeKind, matter.scopeId);
  if (streets.length === 0) return false;
  const inside = await Promise.all(streets.map(async (s) => any(await gridsOf(s, 'STREET'))));
  return inside.every(Boolean);
}

/** The grids holding a place as that kind, straight from the grid read model (one statement). */
export const gridsOfPlace =
  (m: EntityManager) =>
  async (placeId: string, kind: 'STREET' | 'COURTYARD'): Promise<string[]> =>
    (await m.getRepository(GridPlace).findBy({ placeId, kind })).map((r) => r.gridId);

/** The refusal of a chief's write outside the grid (ADR 0047). */
export const OUTSIDE_GRID = 'a street chief acts only on matters whose scope lies in the grids of the token';

/**
 * Whether the caller may write on a matter as a chief (ADR 0047): COMMUNITY_STAFF and ADMIN
 * everywhere; a STREET_CHIEF when the matter's scope lies in the token's grids, by the rule of
 * {@link scopeInGrids} (the same as a chief's reads); anyone else not.
 */
export async function mayActAsChief(
  m: EntityManager,
  principal: Principal | null,
  matter: { scopeKind: ScopeKind; scopeId: string; streetId: string | null },
): Promise<boolean> {
  if (hasRole(principal, 'COMMUNITY_STAFF')) return true;
  if (!principal?.roles.includes('STREET_CHIEF')) return false;
  return scopeInGrids(m, matter, new Set(chiefGridsOf(principal)), gridsOfPlace(m));
}

/**
 * FORBIDDEN (before anything is written) unless {@link mayActAsChief}: every mutation a STREET_CHIEF
 * may call checks it once the matter is known. Staff and ADMIN pass without a statement.
 */
export async function requireChiefGrid(
  m: EntityManager,
  principal: Principal | null,
  matter: { scopeKind: ScopeKind; scopeId: string; streetId: string | null },
): Promise<void> {
  if (!(await mayActAsChief(m, principal, matter))) throw new ForbiddenError(OUTSIDE_GRID);
}
