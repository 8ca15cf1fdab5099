import { ForbiddenError, UnauthenticatedError } from '@sc/graphql';
import { hasRole, hasScope, requireAuthenticated, requireRole, requireScope } from './guards';
import { type Principal, type Role } from './roles';

function principal(roles: Role[], scopes: string[] = []): Principal {
  return { subject: 'p1', roles, scopes, tokenId: 't1', expiresAt: new Date(Date.now() + 60_000) };
}

const chief = principal(['STREET_CHIEF', 'RESIDENT'], ['grid:g1', 'resident:r1']);
const admin = principal(['ADMIN']);
const viewer = principal(['COUNTY_VIEWER']);

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected the guard to throw');
}

describe('requireAuthenticated', () => {
  it('returns the principal', () => {
    expect(requireAuthenticated(chief)).toBe(chief);
  });

  it('refuses an anonymous caller with UNAUTHENTICATED', () => {
    const error = thrown(() => requireAuthenticated(null));
    expect(error).toBeInstanceOf(UnauthenticatedError);
    expect(error).toMatchObject({ extensions: { code: 'UNAUTHENTICATED' } });
  });
});

describe('requireRole / hasRole', () => {
  it('passes when the principal holds any of the roles', () => {
    expect(requireRole(chief, 'STREET_CHIEF')).toBe(chief);
    expect(requireRole(chief, 'COMMUNITY_STAFF', 'RESIDENT')).toBe(chief);
    expect(hasRole(chief, 'TOWN_OFFICER', 'STREET_CHIEF')).toBe(true);
  });

  it('refuses a principal with none of the roles with FORBIDDEN', () => {
    const error = thrown(() => requireRole(viewer, 'STREET_CHIEF', 'COMMUNITY_STAFF'));
    expect(error).toBeInstanceOf(ForbiddenError);
    expect(error).toMatchObject({
      message: 'requires role STREET_CHIEF or COMMUNITY_STAFF',
      extensions: { code: 'FORBIDDEN' },
    });
    expect(hasRole(viewer, 'STREET_CHIEF', 'COMMUNITY_STAFF')).toBe(false);
  });

  it('refuses an anonymous caller with UNAUTHENTICATED, not FORBIDDEN', () => {
    expect(thrown(() => requireRole(null, 'RESIDENT'))).toBeInstanceOf(UnauthenticatedError);
    expect(hasRole(null, 'RESIDENT')).toBe(false);
  });

  it('lets ADMIN through every role check', () => {
    expect(requireRole(admin, 'STREET_CHIEF')).toBe(admin);
    expect(hasRole(admin, 'COUNTY_VIEWER')).toBe(true);
  });

  it('refuses when no role is named, except for ADMIN', () => {
    expect(thrown(() => requireRole(chief))).toBeInstanceOf(ForbiddenError);
    expect(requireRole(admin)).toBe(admin);
  });
});

describe('requireScope / hasScope', () => {
  it('passes on an exact scope', () => {
    expect(requireScope(chief, 'grid:g1')).toBe(chief);
    expect(hasScope(chief, 'resident:r1')).toBe(true);
  });

  it('refuses other scopes with FORBIDDEN, including prefixes and look-alikes', () => {
    for (const scope of ['grid:g2', 'grid:g', 'grid:g1x', 'grid:*', 'community:caichang']) {
      expect(hasScope(chief, scope)).toBe(false);
      const error = thrown(() => requireScope(chief, scope));
      expect(error).toBeInstanceOf(ForbiddenError);
      expect(error).toMatchObject({ message: `no access to ${scope}`, extensions: { code: 'FORBIDDEN' } });
    }
  });

  it('refuses an anonymous caller with UNAUTHENTICATED', () => {
    expect(thrown(() => requireScope(null, 'grid:g1'))).toBeInstanceOf(UnauthenticatedError);
    expect(hasScope(null, 'grid:g1')).toBe(false);
  });

  it('gives ADMIN every scope', () => {
    expect(hasScope(admin, 'community:caichang')).toBe(true);
    expect(requireScope(admin, 'resident:anyone')).toBe(admin);
  });
});
