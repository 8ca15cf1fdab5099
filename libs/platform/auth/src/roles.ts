/** Every role the platform knows; see DOMAIN.md "Who uses the system". */
export const ROLES = [
  'RESIDENT',
  'STREET_CHIEF',
  'COMMUNITY_STAFF',
  'TOWN_OFFICER',
  'COUNTY_VIEWER',
  'ADMIN',
] as const;
export type Role = (typeof ROLES)[number];

/**
 * The authenticated caller, built only from a verified token.
 * Scopes narrow a role to places or people, e.g. `community:caichang`, `grid:<uuid>`, `resident:<uuid>`.
 */
export interface Principal {
  subject: string;
  roles: Role[];
  scopes: string[];
  name?: string;
  /** The token's `jti`, for audit logs and revocation lists. */
  tokenId: string;
  /** The sign-in session (refresh-token family) of the token, when it came from `login`/`refreshSession`. */
  sessionId?: string;
  expiresAt: Date;
}
