import { createServer, type Server } from 'node:http';
import { type AddressInfo } from 'node:net';
import { JwksKeyResolver, StaticKeyResolver } from './key-resolvers';
import { toJwks } from './keys';
import { generateTestSigningKey } from './test-keys';
import { TokenIssuer } from './token-issuer';
import { TokenVerifier } from './token-verifier';

const keyA = generateTestSigningKey();
const keyB = generateTestSigningKey();

describe('StaticKeyResolver', () => {
  it('finds signing keys by kid and returns only their public half', async () => {
    const resolver = new StaticKeyResolver([keyA, keyB]);
    const found = await resolver.getKey(keyB.kid);
    expect(found?.type).toBe('public');
    expect(found?.equals(keyB.publicKey)).toBe(true);
    await expect(resolver.getKey('nope')).resolves.toBeUndefined();
  });

  it('names bare KeyObjects by their thumbprint, reducing private keys to public ones', async () => {
    const resolver = new StaticKeyResolver([keyA.publicKey, keyB.privateKey]);
    expect((await resolver.getKey(keyA.kid))?.equals(keyA.publicKey)).toBe(true);
    const b = await resolver.getKey(keyB.kid);
    expect(b?.type).toBe('public');
    expect(b?.equals(keyB.publicKey)).toBe(true);
  });
});

/** A real HTTP issuer whose JWKS body and status the test can change, counting requests. */
class JwksServer {
  requests = 0;
  status = 200;
  body: unknown = { keys: [] };
  /** When set, requests hang until the client gives up. */
  hang = false;
  private readonly server: Server = createServer((_req, res) => {
    this.requests += 1;
    if (this.hang) return;
    res.writeHead(this.status, { 'content-type': 'application/json' });
    res.end(typeof this.body === 'string' ? this.body : JSON.stringify(this.body));
  });

  url = '';

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/.well-known/jwks.json`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    if (!this.server.listening) return;
    await new Promise<void>((resolve, reject) => this.server.close((err) => (err ? reject(err) : resolve())));
  }
}

describe('JwksKeyResolver', () => {
  let server: JwksServer;
  let clock: number;
  const now = (): number => clock;

  beforeEach(async () => {
    clock = 1_000_000;
    server = new JwksServer();
    await server.start();
  });
  afterEach(async () => {
    await server.stop();
  });

  function resolver(opts: ConstructorParameters<typeof JwksKeyResolver>[1] = {}): JwksKeyResolver {
    return new JwksKeyResolver(server.url, { now, ...opts });
  }

  it('fetches the JWKS once and answers from the cache afterwards', async () => {
    server.body = toJwks([keyA]);
    const jwks = resolver();
    expect((await jwks.getKey(keyA.kid))?.equals(keyA.publicKey)).toBe(true);
    clock += 60_000;
    expect((await jwks.getKey(keyA.kid))?.equals(keyA.publicKey)).toBe(true);
    expect(server.requests).toBe(1);
  });

  it('refetches once for an unknown kid, then not again within the interval', async () => {
    server.body = toJwks([keyA]);
    const jwks = resolver({ minRefetchIntervalMs: 30_000 });
    await jwks.getKey(keyA.kid);
    expect(server.requests).toBe(1);

    // The issuer rotates in key B; a token signed with it arrives after the interval.
    server.body = toJwks([keyA, keyB]);
    clock += 30_000;
    expect((await jwks.getKey(keyB.kid))?.equals(keyB.publicKey)).toBe(true);
    expect(server.requests).toBe(2);

    // Made-up kids right after that do not reach the issuer.
    clock += 5_000;
    await expect(jwks.getKey('made-up-1')).resolves.toBeUndefined();
    clock += 20_000;
    await expect(jwks.getKey('made-up-2')).resolves.toBeUndefined();
    expect(server.requests).toBe(2);

    // Once the interval has passed, an unknown kid may ask again.
    clock += 5_000;
    await expect(jwks.getKey('made-up-3')).resolves.toBeUndefined();
    expect(server.requests).toBe(3);
  });

  it('does not refetch for a second unknown kid within the interval', async () => {
    server.body = toJwks([keyA]);
    const jwks = resolver();
    await jwks.getKey(keyA.kid);
    clock += 31_000;
    await expect(jwks.getKey('unknown-1')).resolves.toBeUndefined();
    expect(server.requests).toBe(2);
    clock += 1_000;
    await expect(jwks.getKey('unknown-2')).resolves.toBeUndefined();
    expect(server.requests).toBe(2);
  });

  it('shares one request among a flood of concurrent lookups', async () => {
    server.body = toJwks([keyA]);
    const jwks = resolver();
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => jwks.getKey(i === 0 ? keyA.kid : `random-${i}`)),
    );
    expect(results[0]?.equals(keyA.publicKey)).toBe(true);
    expect(results.slice(1).every((key) => key === undefined)).toBe(true);
    expect(server.requests).toBe(1);
  });

  it('refetches a known kid once the cache has expired, and drops keys the issuer retired', async () => {
    server.body = toJwks([keyA]);
    const jwks = resolver({ cacheMs: 60_000 });
    await jwks.getKey(keyA.kid);
    server.body = toJwks([keyB]);
    clock += 60_000;
    await expect(jwks.getKey(keyA.kid)).resolves.toBeUndefined();
    expect(server.requests).toBe(2);
    expect((await jwks.getKey(keyB.kid))?.equals(keyB.publicKey)).toBe(true);
    expect(server.requests).toBe(2);
  });

  it('returns undefined when the issuer is down, and reports the failure to onError', async () => {
    await server.stop();
    const errors: unknown[] = [];
    const jwks = resolver({ onError: (error) => errors.push(error) });
    await expect(jwks.getKey(keyA.kid)).resolves.toBeUndefined();
    expect(errors).toHaveLength(1);
  });

  it('keeps the keys it has when a refresh fails', async () => {
    server.body = toJwks([keyA]);
    const jwks = resolver({ cacheMs: 60_000 });
    await jwks.getKey(keyA.kid);
    await server.stop();
    clock += 120_000;
    expect((await jwks.getKey(keyA.kid))?.equals(keyA.publicKey)).toBe(true);
  });

  it('recovers once the issuer is back', async () => {
    server.status = 503;
    server.body = { error: 'starting' };
    const errors: unknown[] = [];
    const jwks = resolver({ onError: (error) => errors.push(error) });
    await expect(jwks.getKey(keyA.kid)).resolves.toBeUndefined();
    expect(String(errors[0])).toMatch(/HTTP 503/);

    server.status = 200;
    server.body = toJwks([keyA]);
    clock += 1_000;
    await expect(jwks.getKey(keyA.kid)).resolves.toBeUndefined();
    clock += 30_000;
    expect((await jwks.getKey(keyA.kid))?.equals(keyA.publicKey)).toBe(true);
    expect(server.requests).toBe(2);
  });

  it('returns undefined for a body that is not a JWKS', async () => {
    server.body = '<html>oops</html>';
    await expect(resolver().getKey(keyA.kid)).resolves.toBeUndefined();
    server.body = { keys: 'nope' };
    clock += 30_000;
    await expect(resolver().getKey(keyA.kid)).resolves.toBeUndefined();
  });

  it('gives up on an issuer that does not answer within timeoutMs', async () => {
    server.hang = true;
    const errors: unknown[] = [];
    const jwks = resolver({ timeoutMs: 200, onError: (error) => errors.push(error) });
    // Without the timeout the request would hang until the test's own (generous) timeout fails it.
    await expect(jwks.getKey(keyA.kid)).resolves.toBeUndefined();
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ name: 'TimeoutError' });
  }, 20_000);

  it('skips entries it cannot use and keeps the rest', async () => {
    const [jwkA] = toJwks([keyA]).keys;
    const [jwkB] = toJwks([keyB]).keys;
    server.body = {
      keys: [
        { kty: 'EC', crv: 'P-256', x: 'x', y: 'y', kid: 'ec-key' },
        { ...jwkB, use: 'enc' },
        { ...jwkA, n: '!!!' },
        { kty: 'RSA', kid: 'no-modulus', e: 'AQAB' },
        jwkA,
      ],
    };
    const jwks = resolver();
    expect((await jwks.getKey(keyA.kid))?.equals(keyA.publicKey)).toBe(true);
    await expect(jwks.getKey(keyB.kid)).resolves.toBeUndefined();
    await expect(jwks.getKey('ec-key')).resolves.toBeUndefined();
  });

  it('lets a TokenVerifier accept tokens from the issuer behind the JWKS', async () => {
    server.body = toJwks([keyA]);
    const issued = new TokenIssuer(keyA, { issuer: 'iss', audience: 'aud', ttlSeconds: 60 }).issue({
      subject: 'staff-1',
      roles: ['COMMUNITY_STAFF'],
      scopes: ['community:caichang'],
    });
    const verifier = new TokenVerifier(new JwksKeyResolver(server.url), { issuer: 'iss', audience: 'aud' });
    await expect(verifier.verify(issued.token)).resolves.toMatchObject({
      subject: 'staff-1',
      roles: ['COMMUNITY_STAFF'],
    });
    const forged = new TokenIssuer(keyB, { issuer: 'iss', audience: 'aud', ttlSeconds: 60 }).issue({
      subject: 'staff-1',
      roles: ['ADMIN'],
    });
    await expect(verifier.verify(forged.token)).rejects.toMatchObject({ message: 'unknown signing key' });
  });
});
