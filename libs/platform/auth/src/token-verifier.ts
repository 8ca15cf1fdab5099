import { type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { TokenRefusedError } from '@sc/graphql';
import { tokenClaimsSchema } from './claims';
import { type KeyResolver } from './key-resolvers';
import { JWT_ALGORITHM } from './keys';
import { type Principal } from './roles';

export interface TokenVerifierOptions {
  issuer: string;
  audience: string;
  /** Allowed clock skew between issuer and verifier. Default 5 seconds. */
  clockToleranceSeconds?: number;
}

/**
 * Turns a bearer token into a Principal, or throws TokenRefusedError (UNAUTHENTICATED) with a short
 * message and its `reason` (MALFORMED, EXPIRED, INVALID: ADR 0028).
 * Only RS256 with a known `kid` is accepted; the reasons are safe to show since they only describe
 * the token the caller sent.
 */
export class TokenVerifier {
  private readonly clockToleranceSeconds: number;

  constructor(
    private readonly resolver: KeyResolver,
    private readonly opts: TokenVerifierOptions,
  ) {
    this.clockToleranceSeconds = opts.clockToleranceSeconds ?? 5;
  }

  async verify(token: string): Promise<Principal> {
    const header = decodeHeader(token);
    // Checked before any key is looked up: `none` and HS* tokens are refused without touching the key,
    // which is what defeats the HS256-with-the-public-key confusion attack.
    if (header.alg !== JWT_ALGORITHM) throw new TokenRefusedError('INVALID', 'token not signed with RS256');
    if (typeof header.kid !== 'string' || header.kid === '') {
      throw new TokenRefusedError('INVALID', 'unknown signing key');
    }
    const key = await this.resolver.getKey(header.kid);
    if (!key) throw new TokenRefusedError('INVALID', 'unknown signing key');

    const payload = this.verifySignedToken(token, key);
    const claims = tokenClaimsSchema.safeParse(payload);
    if (!claims.success) throw new TokenRefusedError('INVALID', 'invalid claims');
    // jsonwebtoken only checks nbf; a token issued in the future comes from a broken or hostile issuer.
    if (claims.data.iat > Date.now() / 1000 + this.clockToleranceSeconds) {
      throw new TokenRefusedError('INVALID', 'token not yet valid');
    }
    const { sub, roles, scopes, name, jti, exp, sid } = claims.data;
    return {
      subject: sub,
      roles: [...new Set(roles)],
      scopes,
      ...(name !== undefined ? { name } : {}),
      tokenId: jti,
      ...(sid !== undefined ? { sessionId: sid } : {}),
      expiresAt: new Date(exp * 1000),
    };
  }

  private verifySignedToken(token: string, key: KeyObject): unknown {
    try {
      return jwt.verify(token, key, {
        algorithms: [JWT_ALGORITHM],
        issuer: this.opts.issuer,
        audience: this.opts.audience,
        clockTolerance: this.clockToleranceSeconds,
      });
    } catch (err) {
      const reason = refusalReason(err);
      throw new TokenRefusedError(
        reason === 'token expired' ? 'EXPIRED' : reason === 'malformed token' ? 'MALFORMED' : 'INVALID',
        reason,
      );
    }
  }
}

function decodeHeader(token: string): jwt.JwtHeader {
  let decoded: jwt.Jwt | null;
  try {
    decoded = token.split('.').length === 3 ? jwt.decode(token, { complete: true }) : null;
  } catch {
    decoded = null;
  }
  if (!decoded || typeof decoded.payload !== 'object')
    throw new TokenRefusedError('MALFORMED', 'malformed token');
  return decoded.header;
}

function refusalReason(err: unknown): string {
  if (err instanceof jwt.TokenExpiredError) return 'token expired';
  if (err instanceof jwt.NotBeforeError) return 'token not yet valid';
  if (err instanceof jwt.JsonWebTokenError) {
    const message = err.message;
    if (message === 'invalid signature') return 'invalid token signature';
    if (message === 'invalid algorithm') return 'token not signed with RS256';
    if (message.startsWith('jwt issuer invalid')) return 'wrong issuer';
    if (message.startsWith('jwt audience invalid')) return 'wrong audience';
    if (message.startsWith('invalid exp value') || message.startsWith('invalid nbf value')) {
      return 'invalid claims';
    }
  }
  return 'malformed token';
}
