import { randomUUID } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { UnauthenticatedError } from '@sc/graphql';
import { StaticKeyResolver } from './key-resolvers';
import { type SigningKey } from './keys';
import { generateTestSigningKey } from './test-keys';
import { TokenIssuer } from './token-issuer';
import { TokenVerifier } from './token-verifier';

const ISSUER = 'https://auth.street-chief.test';
const AUDIENCE = 'street-chief-api';

const trusted = generateTestSigningKey();
const stranger = generateTestSigningKey();
const issuer = new TokenIssuer(trusted, { issuer: ISSUER, audience: AUDIENCE, ttlSeconds: 900 });
const verifier = new TokenVerifier(new StaticKeyResolver([trusted]), { issuer: ISSUER, audience: AUDIENCE });

const now = (): number => Math.floor(Date.now() / 1000);

/** Claims as TokenIssuer would put them, to be bent one way or another per test. */
function validClaims(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const claims: Record<string, unknown> = {
    sub: 'user-1',
    roles: ['STREET_CHIEF'],
    scopes: ['grid:7d1c'],
    jti: randomUUID(),
    iat: now(),
    exp: now() + 600,
    iss: ISSUER,
    aud: AUDIENCE,
    ...overrides,
  };
  // An override of undefined means "leave the claim out"; jsonwebtoken.sign rejects undefined values.
  return Object.fromEntries(Object.entries(claims).filter(([, value]) => value !== undefined));
}

function signWith(key: SigningKey, claims: Record<string, unknown>, header: { kid?: string } = {}): string {
  return jwt.sign(claims, key.privateKey, {
    algorithm: 'RS256',
    ...('kid' in header ? (header.kid === undefined ? {} : { keyid: header.kid }) : { keyid: key.kid }),
  });
}

function base64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

async function expectRefused(token: string, message: string): Promise<void> {
  const error: unknown = await verifier.verify(token).then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(error).toBeInstanceOf(UnauthenticatedError);
  expect(error).toMatchObject({ message, extensions: { code: 'UNAUTHENTICATED' } });
}

describe('TokenIssuer', () => {
  it('signs RS256 with the key id in the header and the standard claims in the body', () => {
    const issued = issuer.issue({
      subject: 'user-1',
      roles: ['RESIDENT'],
      scopes: ['resident:r1'],
      name: '张三',
    });
    const decoded = jwt.decode(issued.token, { complete: true });
    expect(decoded?.header).toMatchObject({ alg: 'RS256', typ: 'JWT', kid: trusted.kid });
    expect(decoded?.payload).toEqual({
      sub: 'user-1',
      roles: ['RESIDENT'],
      scopes: ['resident:r1'],
      name: '张三',
      jti: issued.tokenId,
      iat: expect.any(Number),
      exp: issued.expiresAt.getTime() / 1000,
      iss: ISSUER,
      aud: AUDIENCE,
    });
    expect(issued.tokenId).toMatch(/^[0-9a-f-]{36}$/);
    expect(issued.expiresAt.getTime()).toBeGreaterThan(Date.now() + 899_000);
    expect(issued.expiresAt.getTime()).toBeLessThanOrEqual(Date.now() + 900_000);
  });

  it('gives every token its own id', () => {
    const a = issuer.issue({ subject: 'user-1', roles: ['RESIDENT'] });
    const b = issuer.issue({ subject: 'user-1', roles: ['RESIDENT'] });
    expect(a.tokenId).not.toBe(b.tokenId);
  });

  it('honours a per-token lifetime', () => {
    const issued = issuer.issue({ subject: 'kiosk', roles: ['COUNTY_VIEWER'] }, 60);
    const payload = jwt.decode(issued.token) as jwt.JwtPayload;
    expect((payload.exp ?? 0) - (payload.iat ?? 0)).toBe(60);
  });

  it('refuses to issue a token the verifier would refuse', () => {
    expect(() => issuer.issue({ subject: '', roles: ['RESIDENT'] })).toThrow();
    expect(() => issuer.issue({ subject: 'u', roles: ['SUPERUSER' as 'ADMIN'] })).toThrow();
    expect(() => issuer.issue({ subject: 'u', roles: ['RESIDENT'] }, 0)).toThrow(/positive whole number/);
    expect(() => new TokenIssuer(trusted, { issuer: ISSUER, audience: AUDIENCE, ttlSeconds: -1 })).toThrow();
  });
});

describe('TokenVerifier', () => {
  it('turns an issued token into a principal', async () => {
    const issued = issuer.issue({
      subject: 'chief-7',
      roles: ['STREET_CHIEF', 'RESIDENT'],
      scopes: ['grid:abc', 'community:caichang'],
      name: '李街长',
    });
    await expect(verifier.verify(issued.token)).resolves.toEqual({
      subject: 'chief-7',
      roles: ['STREET_CHIEF', 'RESIDENT'],
      scopes: ['grid:abc', 'community:caichang'],
      name: '李街长',
      tokenId: issued.tokenId,
      expiresAt: issued.expiresAt,
    });
  });

  it('leaves name out when the token has none, and defaults scopes to none', async () => {
    const principal = await verifier.verify(signWith(trusted, validClaims({ scopes: undefined })));
    expect(principal.scopes).toEqual([]);
    expect(principal).not.toHaveProperty('name');
  });

  describe('refuses', () => {
    it('alg none', async () => {
      const token = `${base64url({ alg: 'none', typ: 'JWT', kid: trusted.kid })}.${base64url(validClaims())}.`;
      await expectRefused(token, 'token not signed with RS256');
    });

    it('alg none with a signature segment copied from a real token', async () => {
      const real = issuer.issue({ subject: 'user-1', roles: ['ADMIN'] }).token;
      const [, payload, signature] = real.split('.');
      const token = `${base64url({ alg: 'none', kid: trusted.kid })}.${payload}.${signature}`;
      await expectRefused(token, 'token not signed with RS256');
    });

    it('HS256 signed with a random secret', async () => {
      const token = jwt.sign(validClaims(), 'some-shared-secret', { algorithm: 'HS256', keyid: trusted.kid });
      await expectRefused(token, 'token not signed with RS256');
    });

    it('HS256 whose secret is the public key PEM (algorithm confusion)', async () => {
      const publicPem = trusted.publicKey.export({ format: 'pem', type: 'spki' }).toString();
      const token = jwt.sign(validClaims({ roles: ['ADMIN'] }), publicPem, {
        algorithm: 'HS256',
        keyid: trusted.kid,
      });
      await expectRefused(token, 'token not signed with RS256');
    });

    it('RS512 and PS256, even when signed by the trusted key', async () => {
      for (const algorithm of ['RS512', 'PS256'] as const) {
        const token = jwt.sign(validClaims(), trusted.privateKey, { algorithm, keyid: trusted.kid });
        await expectRefused(token, 'token not signed with RS256');
      }
    });

    it('a token signed by another key under the trusted kid', async () => {
      await expectRefused(signWith(stranger, validClaims(), { kid: trusted.kid }), 'invalid token signature');
    });

    it('a token whose kid is unknown', async () => {
      await expectRefused(signWith(stranger, validClaims()), 'unknown signing key');
    });

    it('a token without a kid', async () => {
      await expectRefused(signWith(trusted, validClaims(), { kid: undefined }), 'unknown signing key');
    });

    it('an expired token', async () => {
      await expectRefused(
        signWith(trusted, validClaims({ iat: now() - 120, exp: now() - 60 })),
        'token expired',
      );
    });

    it('a token used before its nbf', async () => {
      await expectRefused(signWith(trusted, validClaims({ nbf: now() + 60 })), 'token not yet valid');
    });

    it('a token issued in the future', async () => {
      await expectRefused(
        signWith(trusted, validClaims({ iat: now() + 60, exp: now() + 600 })),
        'token not yet valid',
      );
    });

    it('a token from another issuer', async () => {
      await expectRefused(signWith(trusted, validClaims({ iss: 'https://evil.test' })), 'wrong issuer');
    });

    it('a token without an issuer', async () => {
      await expectRefused(signWith(trusted, validClaims({ iss: undefined })), 'wrong issuer');
    });

    it('a token for another audience', async () => {
      await expectRefused(signWith(trusted, validClaims({ aud: 'another-api' })), 'wrong audience');
    });

    it('a tampered payload', async () => {
      const [header, payload, signature] = issuer
        .issue({ subject: 'user-1', roles: ['RESIDENT'] })
        .token.split('.');
      const claims = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString()) as Record<
        string,
        unknown
      >;
      const forged = base64url({ ...claims, roles: ['ADMIN'] });
      await expectRefused(`${header}.${forged}.${signature}`, 'invalid token signature');
    });

    it('a tampered header that swaps in another kid', async () => {
      const verifierWithBoth = new TokenVerifier(new StaticKeyResolver([trusted, stranger]), {
        issuer: ISSUER,
        audience: AUDIENCE,
      });
      const [, payload, signature] = issuer
        .issue({ subject: 'user-1', roles: ['RESIDENT'] })
        .token.split('.');
      const header = base64url({ alg: 'RS256', typ: 'JWT', kid: stranger.kid });
      await expect(verifierWithBoth.verify(`${header}.${payload}.${signature}`)).rejects.toMatchObject({
        message: 'invalid token signature',
      });
    });

    it.each([
      ['an unknown role', { roles: ['SUPERUSER'] }],
      ['roles that are not a list', { roles: 'ADMIN' }],
      ['no roles claim', { roles: undefined }],
      ['an empty subject', { sub: '' }],
      ['a blank subject', { sub: '   ' }],
      ['no subject', { sub: undefined }],
      ['no token id', { jti: undefined }],
      ['no expiry', { exp: undefined }],
      ['a scope that is not a string', { scopes: [42] }],
    ])('a correctly signed token with %s', async (_case, overrides) => {
      await expectRefused(signWith(trusted, validClaims(overrides)), 'invalid claims');
    });

    it.each([
      ['an empty string', ''],
      ['one segment', 'abc'],
      ['two segments', 'abc.def'],
      ['four segments', 'a.b.c.d'],
      ['garbage in three segments', 'a.b.c'],
      ['a header that is not JSON', `${Buffer.from('{nope').toString('base64url')}.${base64url({})}.sig`],
      [
        'a payload that is not JSON',
        `${base64url({ alg: 'RS256', kid: 'x' })}.${Buffer.from('hi').toString('base64url')}.sig`,
      ],
    ])('%s', async (_case, token) => {
      await expectRefused(token, 'malformed token');
    });
  });

  it('accepts a token expired by less than the clock tolerance', async () => {
    const token = signWith(trusted, validClaims({ iat: now() - 60, exp: now() - 2 }));
    await expect(verifier.verify(token)).resolves.toMatchObject({ subject: 'user-1' });
    const strict = new TokenVerifier(new StaticKeyResolver([trusted]), {
      issuer: ISSUER,
      audience: AUDIENCE,
      clockToleranceSeconds: 0,
    });
    await expect(strict.verify(token)).rejects.toMatchObject({ message: 'token expired' });
  });

  it('does not ask the key resolver about tokens with the wrong algorithm', async () => {
    const getKey = jest.fn(() => Promise.resolve(trusted.publicKey));
    const spied = new TokenVerifier({ getKey }, { issuer: ISSUER, audience: AUDIENCE });
    const token = jwt.sign(validClaims(), 'secret', { algorithm: 'HS256', keyid: trusted.kid });
    await expect(spied.verify(token)).rejects.toMatchObject({ message: 'token not signed with RS256' });
    expect(getKey).not.toHaveBeenCalled();
  });

  describe('accepted-token cache (ADR 0052)', () => {
    /** A resolver whose keys the test withdraws and restores, as a JWKS rotation would. */
    function switchableResolver() {
      const keys = new Map([[trusted.kid, trusted.publicKey]]);
      return {
        keys,
        resolver: { getKey: (kid: string) => Promise.resolve(keys.get(kid)) },
      };
    }

    it('accepts a cached token again without checking its signature', async () => {
      const cached = new TokenVerifier(new StaticKeyResolver([trusted]), {
        issuer: ISSUER,
        audience: AUDIENCE,
      });
      const token = issuer.issue({ subject: 'user-9', roles: ['ADMIN'], scopes: [] }).token;
      const first = await cached.verify(token);
      const spy = jest.spyOn(jwt, 'verify');
      try {
        const again = await cached.verify(token);
        expect(again).toEqual(first);
        expect(again).not.toBe(first);
        expect(spy).not.toHaveBeenCalled();
      } finally {
        spy.mockRestore();
      }
    });

    it('refuses a cached token as EXPIRED once its exp (plus the tolerance) has passed', async () => {
      let clock = Date.now();
      const cached = new TokenVerifier(new StaticKeyResolver([trusted]), {
        issuer: ISSUER,
        audience: AUDIENCE,
        now: () => clock,
      });
      const token = signWith(trusted, validClaims({ exp: Math.floor(clock / 1000) + 60 }));
      await expect(cached.verify(token)).resolves.toMatchObject({ subject: 'user-1' });
      clock += 64_000;
      await expect(cached.verify(token)).resolves.toMatchObject({ subject: 'user-1' });
      clock += 2_000;
      await expect(cached.verify(token)).rejects.toMatchObject({
        message: 'token expired',
        extensions: { code: 'UNAUTHENTICATED', reason: 'EXPIRED' },
      });
    });

    it('refuses a cached token as soon as its signing key is withdrawn, and only then', async () => {
      const { keys, resolver } = switchableResolver();
      const cached = new TokenVerifier(resolver, { issuer: ISSUER, audience: AUDIENCE });
      const token = issuer.issue({ subject: 'user-2', roles: ['RESIDENT'], scopes: [] }).token;
      await expect(cached.verify(token)).resolves.toMatchObject({ subject: 'user-2' });
      keys.delete(trusted.kid);
      await expect(cached.verify(token)).rejects.toMatchObject({ message: 'unknown signing key' });
      // Another key under the same kid (a forged JWKS entry, a botched rotation): verified in full.
      keys.set(trusted.kid, stranger.publicKey);
      await expect(cached.verify(token)).rejects.toMatchObject({ message: 'invalid token signature' });
      keys.set(trusted.kid, trusted.publicKey);
      await expect(cached.verify(token)).resolves.toMatchObject({ subject: 'user-2' });
    });

    it('never caches a refusal, and keeps at most acceptedCacheSize tokens', async () => {
      const cached = new TokenVerifier(new StaticKeyResolver([trusted]), {
        issuer: ISSUER,
        audience: AUDIENCE,
        acceptedCacheSize: 2,
      });
      const tokens = ['a', 'b', 'c'].map((s) => issuer.issue({ subject: s, roles: [], scopes: [] }).token);
      for (const t of tokens) await cached.verify(t);
      const spy = jest.spyOn(jwt, 'verify');
      try {
        await cached.verify(tokens[2] as string);
        await cached.verify(tokens[1] as string);
        expect(spy).not.toHaveBeenCalled();
        await cached.verify(tokens[0] as string); // evicted by the third: verified again
        expect(spy).toHaveBeenCalledTimes(1);
      } finally {
        spy.mockRestore();
      }
      const forged = signWith(stranger, validClaims(), { kid: trusted.kid });
      await expect(cached.verify(forged)).rejects.toMatchObject({ message: 'invalid token signature' });
      await expect(cached.verify(forged)).rejects.toMatchObject({ message: 'invalid token signature' });
    });
  });
});
