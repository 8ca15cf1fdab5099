import type { EntityManager } from 'typeorm';
import type { Principal } from '@sc/auth';
import { PeopleVoter } from '@sc/people-contracts';
import { RosterPlace } from '@sc/roster-contracts';
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
