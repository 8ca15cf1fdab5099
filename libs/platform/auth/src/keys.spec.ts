import { spawn } from 'node:child_process';
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import fs from 'node:fs';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jwkThumbprint, loadOrCreateDevSigningKey, signingKeyFromPem, toJwks } from './keys';
import { generateTestSigningKey } from './test-keys';

describe('jwkThumbprint', () => {
  it('matches the RFC 7638 section 3.1 example', () => {
    const key = createPublicKey({
      format: 'jwk',
      key: {
        kty: 'RSA',
        e: 'AQAB',
        n:
          '0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRX' +
          'jBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqz' +
          's8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ' +
          '-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw',
      },
    });
    expect(jwkThumbprint(key)).toBe('NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs');
  });

  it('gives the same kid for the private and the public half', () => {
    const key = generateTestSigningKey();
    expect(jwkThumbprint(key.privateKey)).toBe(key.kid);
    expect(jwkThumbprint(key.publicKey)).toBe(key.kid);
  });
});

describe('signingKeyFromPem', () => {
  it('accepts PKCS#8 and PKCS#1 PEM of the same key with the same kid', () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pkcs8 = signingKeyFromPem(privateKey.export({ format: 'pem', type: 'pkcs8' }).toString());
    const pkcs1 = signingKeyFromPem(privateKey.export({ format: 'pem', type: 'pkcs1' }).toString());
    expect(pkcs8.kid).toBe(pkcs1.kid);
    expect(pkcs8.publicKey.type).toBe('public');
    expect(pkcs8.privateKey.type).toBe('private');
  });

  it('refuses a non-RSA key', () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    expect(() => signingKeyFromPem(privateKey.export({ format: 'pem', type: 'pkcs8' }).toString())).toThrow(
      /must be RSA/,
    );
  });

  it('refuses an RSA key shorter than 2048 bits', () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
    expect(() => signingKeyFromPem(privateKey.export({ format: 'pem', type: 'pkcs8' }).toString())).toThrow(
      /at least 2048 bits/,
    );
  });

  it('refuses text that is not a key', () => {
    expect(() => signingKeyFromPem('not a key')).toThrow();
  });
});

describe('loadOrCreateDevSigningKey', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sc-auth-keys-'));
  });
  afterEach(() => {
    jest.restoreAllMocks();
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates a 2048-bit PKCS#8 key readable by the owner only, and reuses it on the next call', () => {
    const first = loadOrCreateDevSigningKey(dir);
    const file = join(dir, 'keys', 'jwt-signing-key.pem');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(first.privateKey.asymmetricKeyDetails?.modulusLength).toBe(2048);

    const second = loadOrCreateDevSigningKey(dir);
    expect(second.kid).toBe(first.kid);
    expect(readdirSync(join(dir, 'keys'))).toEqual(['jwt-signing-key.pem']);
  });

  it('uses a key that is already there', () => {
    const existing = generateTestSigningKey();
    fs.mkdirSync(join(dir, 'keys'));
    writeFileSync(
      join(dir, 'keys', 'jwt-signing-key.pem'),
      existing.privateKey.export({ format: 'pem', type: 'pkcs8' }),
    );
    expect(loadOrCreateDevSigningKey(dir).kid).toBe(existing.kid);
  });

  it('keeps the key another process wrote while this one was generating its own', () => {
    const winner = generateTestSigningKey();
    const keyFile = join(dir, 'keys', 'jwt-signing-key.pem');
    const realWrite = fs.writeFileSync;
    jest.spyOn(fs, 'writeFileSync').mockImplementationOnce((file, data, options) => {
      // The other process finishes first, between our existence check and our publish.
      realWrite(keyFile, winner.privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600 });
      realWrite(file, data, options);
    });

    expect(loadOrCreateDevSigningKey(dir).kid).toBe(winner.kid);
    expect(readdirSync(join(dir, 'keys'))).toEqual(['jwt-signing-key.pem']);
  });

  it('gives every one of several processes starting at once the same key', async () => {
    const script = join(dir, 'load-key.ts');
    writeFileSync(
      script,
      `import { loadOrCreateDevSigningKey } from ${JSON.stringify(join(__dirname, 'keys.ts'))};\n` +
        `process.stdout.write(loadOrCreateDevSigningKey(process.argv[2]!).kid);\n`,
    );
    const run = (): Promise<string> =>
      new Promise((resolve, reject) => {
        const child = spawn(process.execPath, ['--import', 'tsx', script, dir], { cwd: process.cwd() });
        let out = '';
        let err = '';
        child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
        child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
        child.on('error', reject);
        child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`exit ${code}: ${err}`))));
      });

    const kids = await Promise.all([run(), run(), run(), run()]);
    const onDisk = loadOrCreateDevSigningKey(dir).kid;
    expect(kids).toEqual([onDisk, onDisk, onDisk, onDisk]);
    expect(readdirSync(join(dir, 'keys'))).toEqual(['jwt-signing-key.pem']);
  });
});

describe('toJwks', () => {
  it('publishes only public members, with kid, alg and use', () => {
    const key = generateTestSigningKey();
    const jwks = toJwks([key]);
    expect(jwks.keys).toHaveLength(1);
    const [jwk] = jwks.keys;
    expect(jwk).toEqual({
      kty: 'RSA',
      n: expect.any(String),
      e: 'AQAB',
      kid: key.kid,
      alg: 'RS256',
      use: 'sig',
    });
    for (const secret of ['d', 'p', 'q', 'dp', 'dq', 'qi']) expect(jwk).not.toHaveProperty(secret);
  });

  it('strips the private half even when a private KeyObject is passed as the public key', () => {
    const key = generateTestSigningKey();
    const [jwk] = toJwks([{ kid: key.kid, publicKey: key.privateKey }]).keys;
    for (const secret of ['d', 'p', 'q', 'dp', 'dq', 'qi']) expect(jwk).not.toHaveProperty(secret);
    expect(jwk?.n).toBe(key.publicKey.export({ format: 'jwk' }).n);
  });
});
