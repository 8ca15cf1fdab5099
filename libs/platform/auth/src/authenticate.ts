import { TokenRefusedError } from '@sc/graphql';
import { type Principal } from './roles';
import { type TokenVerifier } from './token-verifier';

// RFC 6750 b64token; the scheme name is case-insensitive (RFC 7235).
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*)$/i;

/**
 * Reads an `Authorization` header. No header means an anonymous caller (null); a header that is
 * present but unusable is refused, never downgraded to anonymous, so a broken or forged token
 * cannot quietly reach public resolvers with someone's expectations attached.
 */
export async function authenticate(
  authorizationHeader: string | undefined,
  verifier: TokenVerifier,
): Promise<Principal | null> {
  if (authorizationHeader === undefined) return null;
  const match = BEARER.exec(authorizationHeader.trim());
  if (!match?.[1]) throw new TokenRefusedError('MALFORMED', 'expected "Authorization: Bearer <token>"');
  return verifier.verify(match[1]);
}
