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
  /**
   * How many accepted tokens are remembered (keyed by the exact token text) so that a caller's next
   * request skips the RSA signature check and the claims parse (ADR 0052). Default 1,000; 0 turns the
   * cache off.
   */
  acceptedCacheSize?: number;
  /** Clock in epoch milliseconds; tests move it. */
  now?: () => number;
}

/** An accepted token: its principal, and what is checked again on every use. */
interface Accepted {
  principal: Principal;
  kid: string;
  key: KeyObject;
  /** `exp` in epoch seconds. */
  exp: number;
}

/**
 * Turns a bearer token into a Principal, or throws TokenRefusedError (UNAUTHENTICATED) with a short
 * message and its `reason` (MALFORMED, EXPIRED, INVALID: ADR 0028).
 * Only RS256 with a known `kid` is accepted; the reasons are safe to show since they only describe
 * the token the caller sent.
 */
export class TokenVerifier {
  private readonly clockToleranceSeconds: number;
  private readonly cacheSize: number;
  private readonly now: () => number;
  /** Accepted tokens, oldest use first (a Map keeps insertion order: a hit moves to the end). */
  private readonly accepted = new Map<string, Accepted>();

  constructor(
    private readonly resolver: KeyResolver,
    private readonly opts: TokenVerifierOptions,
  ) {
    this.clockToleranceSeconds = opts.clockToleranceSeconds ?? 5;
    this.cacheSize = opts.acceptedCacheSize ?? 1_000;
    this.now = opts.now ?? Date.now;
  }

  /**
   * A remembered token is accepted again without its signature check only while it has not expired
   * (the same test, with the same tolerance, as jsonwebtoken's) and its signing key is still the one
   * the resolver returns for its `kid` — a key rotated out or withdrawn from the JWKS refuses its
   * tokens at once, cached or not. Anything else is verified in full, as on first sight.
   */
  async verify(token: string): Promise<Principal> {
    const hit = this.accepted.get(token);
    if (hit) {
      this.accepted.delete(token);
      if (this.now() / 1000 < hit.exp + this.clockToleranceSeconds) {
        const key = await this.resolver.getKey(hit.kid);
        if (key !== undefined && (key === hit.key || key.equals(hit.key))) {
          this.accepted.set(token, hit);
          return { ...hit.principal };
        }
      }
    }
    const { principal, kid, key, exp } = await this.verifyInFull(token);
    if (this.cacheSize > 0) {
      if (this.accepted.size >= this.cacheSize) {
        const oldest = this.accepted.keys().next();
        if (!oldest.done) this.accepted.delete(oldest.value);
      }
      this.accepted.set(token, { principal, kid, key, exp });
    }
    return { ...principal };
  }

  private async verifyInFull(token: string): Promise<Accepted> {
    const header = decodeHeader(token);
    // Checked before any key is looked up: `none` and HS* tokens are refused without touching the key,
    // which is what defeats the HS256-with-the-public-key confusion attack.
    if (header.alg !== JWT_ALGORITHM) throw new TokenRefusedError('INVALID', 'token not signed with RS256');
    if (typeof header.kid !== 'string' || header.kid === '') {
      throw new TokenRefusedError('INVALID', 'unknown signing key');
    }
    const kid = header.kid;
    const key = await this.resolver.getKey(kid);
    if (!key) throw new TokenRefusedError('INVALID', 'unknown signing key');

    const payload = this.verifySignedToken(token, key);
    const claims = tokenClaimsSchema.safeParse(payload);
    if (!claims.success) throw new TokenRefusedError('INVALID', 'invalid claims');
    // jsonwebtoken only checks nbf; a token issued in the future comes from a broken or hostile issuer.
    if (claims.data.iat > this.now() / 1000 + this.clockToleranceSeconds) {
      throw new TokenRefusedError('INVALID', 'token not yet valid');
    }
    const { sub, roles, scopes, name, jti, exp, sid } = claims.data;
    const principal: Principal = {
      subject: sub,
      roles: [...new Set(roles)],
      scopes,
      ...(name !== undefined ? { name } : {}),
      tokenId: jti,
      ...(sid !== undefined ? { sessionId: sid } : {}),
      expiresAt: new Date(exp * 1000),
    };
    return { principal, kid, key, exp };
  }

  private verifySignedToken(token: string, key: KeyObject): unknown {
    try {
      return jwt.verify(token, key, {
        algorithms: [JWT_ALGORITHM],
        issuer: this.opts.issuer,
        audience: this.opts.audience,
        clockTolerance: this.clockToleranceSeconds,
        clockTimestamp: Math.floor(this.now() / 1000),
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
