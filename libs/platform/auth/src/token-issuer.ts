import { randomUUID } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { tokenClaimsSchema } from './claims';
import { JWT_ALGORITHM, type SigningKey } from './keys';
import { type Role } from './roles';

export interface TokenIssuerOptions {
  issuer: string;
  audience: string;
  /** Default lifetime of issued tokens. */
  ttlSeconds: number;
}

export interface IssueClaims {
  subject: string;
  roles: Role[];
  scopes?: string[];
  name?: string;
  /** The sign-in session this token belongs to (see ADR 0027); becomes the `sid` claim. */
  sessionId?: string;
}

export interface IssuedToken {
  token: string;
  expiresAt: Date;
  tokenId: string;
}

/** Signs access tokens (RS256, `kid` in the header) that TokenVerifier accepts. */
export class TokenIssuer {
  constructor(
    private readonly key: SigningKey,
    private readonly opts: TokenIssuerOptions,
  ) {
    assertTtl(opts.ttlSeconds);
  }

  /** Issues a token for the given claims; `ttlSeconds` overrides the default lifetime. */
  issue(claims: IssueClaims, ttlSeconds: number = this.opts.ttlSeconds): IssuedToken {
    assertTtl(ttlSeconds);
    const iat = Math.floor(Date.now() / 1000);
    const exp = iat + ttlSeconds;
    const tokenId = randomUUID();
    // Validate with the verifier's schema so we never hand out a token that would be refused.
    const payload = tokenClaimsSchema.parse({
      sub: claims.subject,
      roles: [...new Set(claims.roles)],
      scopes: [...new Set(claims.scopes ?? [])],
      ...(claims.name !== undefined ? { name: claims.name } : {}),
      jti: tokenId,
      ...(claims.sessionId !== undefined ? { sid: claims.sessionId } : {}),
      iat,
      exp,
    });
    const token = jwt.sign(payload, this.key.privateKey, {
      algorithm: JWT_ALGORITHM,
      keyid: this.key.kid,
      issuer: this.opts.issuer,
      audience: this.opts.audience,
    });
    return { token, expiresAt: new Date(exp * 1000), tokenId };
  }
}

function assertTtl(ttlSeconds: number): void {
  if (!Number.isInteger(ttlSeconds) || ttlSeconds <= 0) {
    throw new Error(`Token lifetime must be a positive whole number of seconds, got ${ttlSeconds}`);
  }
}
