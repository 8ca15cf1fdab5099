import { loadOrCreateDevSigningKey, TokenIssuer, type Role } from '@sc/auth';

export interface TokenMinter {
  mint(roles: Role[], opts?: { scopes?: string[]; subject?: string; ttlSeconds?: number }): string;
}

/**
 * Mints real RS256 tokens with the dev key of a data folder — the same key a service started with
 * that DATA_DIR signs and verifies with.
 */
export function tokenMinter(
  dataDir: string,
  issuer = 'street-chief/roster',
  audience = 'street-chief',
): TokenMinter {
  const issuerImpl = new TokenIssuer(loadOrCreateDevSigningKey(dataDir), {
    issuer,
    audience,
    ttlSeconds: 600,
  });
  return {
    mint(roles, opts = {}) {
      return issuerImpl.issue(
        {
          subject: opts.subject ?? `test-${roles.join('-').toLowerCase()}`,
          roles,
          scopes: opts.scopes ?? [],
        },
        opts.ttlSeconds,
      ).token;
    },
  };
}
