import { createPublicKey, KeyObject } from 'node:crypto';
import { z } from 'zod';
import { JWT_ALGORITHM, jwkThumbprint, toPublicKey, type PublicSigningKey } from './keys';

/** Finds the public key for a token's `kid`; undefined means the token is refused. */
export interface KeyResolver {
  getKey(kid: string): Promise<KeyObject | undefined>;
}

/** Keys known up front: the issuing process itself, or tests. */
export class StaticKeyResolver implements KeyResolver {
  private readonly keys = new Map<string, KeyObject>();

  /** Bare KeyObjects get their RFC 7638 thumbprint as kid; private keys are reduced to their public half. */
  constructor(keys: ReadonlyArray<KeyObject | PublicSigningKey>) {
    for (const entry of keys) {
      if (entry instanceof KeyObject) {
        this.keys.set(jwkThumbprint(entry), toPublicKey(entry));
      } else {
        this.keys.set(entry.kid, toPublicKey(entry.publicKey));
      }
    }
  }

  getKey(kid: string): Promise<KeyObject | undefined> {
    return Promise.resolve(this.keys.get(kid));
  }
}

export interface JwksKeyResolverOptions {
  /** How long a fetched JWKS is trusted before it is fetched again. Default 10 minutes. */
  cacheMs?: number;
  /** Fetches (for unknown kids or a stale cache) happen at most this often. Default 30 seconds. */
  minRefetchIntervalMs?: number;
  fetchImpl?: typeof fetch;
  /** Abort a JWKS request after this long. Default 5 seconds. */
  timeoutMs?: number;
  /** Told about failed fetches, so the caller can log them; the resolver itself logs nothing. */
  onError?: (error: unknown) => void;
  /** Clock in epoch milliseconds; tests move it. */
  now?: () => number;
}

const jwksDocumentSchema = z.object({ keys: z.array(z.record(z.string(), z.unknown())) });

/**
 * Public keys fetched from an issuer's JWKS endpoint. Refetches when a token names a kid it has not seen
 * (key rotation), but never more than once per `minRefetchIntervalMs`, so tokens with made-up kids
 * cannot turn every request into a call to the issuer.
 */
export class JwksKeyResolver implements KeyResolver {
  private keys = new Map<string, KeyObject>();
  private fetchedAt: number | undefined;
  private lastAttemptAt: number | undefined;
  private inFlight: Promise<void> | undefined;
  private readonly cacheMs: number;
  private readonly minRefetchIntervalMs: number;
  private readonly timeoutMs: number;
  private readonly fetchImpl: typeof fetch;
  private readonly onError: (error: unknown) => void;
  private readonly now: () => number;

  constructor(
    private readonly url: string,
    opts: JwksKeyResolverOptions = {},
  ) {
    this.cacheMs = opts.cacheMs ?? 10 * 60_000;
    this.minRefetchIntervalMs = opts.minRefetchIntervalMs ?? 30_000;
    this.timeoutMs = opts.timeoutMs ?? 5_000;
    // Resolved at call time, not import time, so a fetch installed later (or mocked) is honoured.
    this.fetchImpl = opts.fetchImpl ?? ((input, init) => fetch(input, init));
    this.onError = opts.onError ?? (() => undefined);
    this.now = opts.now ?? Date.now;
  }

  async getKey(kid: string): Promise<KeyObject | undefined> {
    const now = this.now();
    const stale = this.fetchedAt === undefined || now - this.fetchedAt >= this.cacheMs;
    const mayFetch =
      this.lastAttemptAt === undefined || now - this.lastAttemptAt >= this.minRefetchIntervalMs;
    if ((stale || !this.keys.has(kid)) && (mayFetch || this.inFlight)) {
      await this.refresh();
    }
    return this.keys.get(kid);
  }

  /** Concurrent callers share one request. */
  private refresh(): Promise<void> {
    if (!this.inFlight) {
      this.lastAttemptAt = this.now();
      this.inFlight = this.load()
        .catch((error: unknown) => {
          // Keep the keys we had: an issuer that is briefly down should not log everybody out.
          this.onError(error);
        })
        .finally(() => {
          this.inFlight = undefined;
        });
    }
    return this.inFlight;
  }

  private async load(): Promise<void> {
    const response = await this.fetchImpl(this.url, {
      headers: { accept: 'application/json' },
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    if (!response.ok) throw new Error(`JWKS request to ${this.url} failed with HTTP ${response.status}`);
    const document = jwksDocumentSchema.parse(await response.json());
    const keys = new Map<string, KeyObject>();
    for (const jwk of document.keys) {
      const key = importVerificationKey(jwk);
      if (key) keys.set(key.kid, key.publicKey);
    }
    this.keys = keys;
    this.fetchedAt = this.now();
  }
}

const rsaSigningJwkSchema = z.object({
  kty: z.literal('RSA'),
  kid: z.string().min(1),
  n: z.string().min(1),
  e: z.string().min(1),
  use: z.literal('sig').optional(),
  alg: z.literal(JWT_ALGORITHM).optional(),
});

/** Keys we could never use (encryption keys, other algorithms, broken entries) are skipped, not fatal. */
function importVerificationKey(jwk: Record<string, unknown>): PublicSigningKey | undefined {
  const parsed = rsaSigningJwkSchema.safeParse(jwk);
  if (!parsed.success) return undefined;
  const { kid, kty, n, e } = parsed.data;
  try {
    return { kid, publicKey: createPublicKey({ key: { kty, n, e }, format: 'jwk' }) };
  } catch {
    return undefined;
  }
}
