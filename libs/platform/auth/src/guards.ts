import { ForbiddenError, UnauthenticatedError } from '@sc/graphql';
import { type Principal, type Role } from './roles';

/** Returns the principal or throws UNAUTHENTICATED for an anonymous caller. */
export function requireAuthenticated(principal: Principal | null): Principal {
  if (!principal) throw new UnauthenticatedError();
  return principal;
}

/**
 * True when the principal holds any of the roles. ADMIN counts as every role, the same rule
 * requireRole applies, so a check and a guard never disagree.
 */
export function hasRole(principal: Principal | null, ...roles: Role[]): boolean {
  if (!principal) return false;
  return principal.roles.includes('ADMIN') || roles.some((role) => principal.roles.includes(role));
}

/** UNAUTHENTICATED when anonymous, FORBIDDEN when none of the roles is held; ADMIN always passes. */
export function requireRole(principal: Principal | null, ...roles: Role[]): Principal {
  const authenticated = requireAuthenticated(principal);
  if (!hasRole(authenticated, ...roles)) {
    throw new ForbiddenError(`requires role ${roles.join(' or ')}`);
  }
  return authenticated;
}

/** Exact scope match (`community:caichang`, `grid:<uuid>`); ADMIN holds every scope. */
export function hasScope(principal: Principal | null, scope: string): boolean {
  if (!principal) return false;
  return principal.roles.includes('ADMIN') || principal.scopes.includes(scope);
}

/** UNAUTHENTICATED when anonymous, FORBIDDEN when the scope is not held. */
export function requireScope(principal: Principal | null, scope: string): Principal {
  const authenticated = requireAuthenticated(principal);
  if (!hasScope(authenticated, scope)) throw new ForbiddenError(`no access to ${scope}`);
  return authenticated;
}
