import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createHmac, randomBytes } from 'node:crypto';
import {
  FieldCipher,
  FieldKeyError,
  FieldTokenError,
  loadOrCreateDevFieldKeys,
  parseFieldKeys,
} from './field-cipher';

const key = () => randomBytes(32).toString('base64');
const blind = key();

/** The error `fn` throws; fails the test when it returns instead. */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected a throw, the call returned');
}

describe('parseFieldKeys', () => {
  it('takes the first key as current and keeps the others for decryption', () => {
    const keys = parseFieldKeys(`k2:${key()}, k1:${key()}`, blind);
    expect(keys.currentKid).toBe('k2');
    expect([...keys.keys.keys()]).toEqual(['k2', 'k1']);
  });

  it.each([
    ['', 'empty'],
    ['k1', 'no key id'],
    [`bad.kid:${key()}`, 'invalid key id'],
    [`k1:${randomBytes(16).toString('base64')}`, 'must decode to 32 bytes'],
    ['k1:not*base64!', 'not valid base64'],
  ])('rejects %j with a message naming the problem', (enc, message) => {
    expect(() => parseFieldKeys(enc, blind)).toThrow(FieldKeyError);
    expect(() => parseFieldKeys(enc, blind)).toThrow(message);
  });

  it('rejects a duplicate key id, a short or reused blind-index key', () => {
    const k = key();
    expect(() => parseFieldKeys(`k1:${k},k1:${key()}`, blind)).toThrow('more than once');
    expect(() => parseFieldKeys(`k1:${k}`, randomBytes(16).toString('base64'))).toThrow('at least 32 bytes');
    expect(() => parseFieldKeys(`k1:${k}`, k)).toThrow('must differ');
  });

  it('never echoes key material in its errors', () => {
    const secret = randomBytes(20).toString('base64');
    const err = thrown(() => parseFieldKeys(`k1:${secret}`, blind));
    expect(err).toBeInstanceOf(FieldKeyError);
    expect(String(err)).not.toContain(secret);
  });
});

describe('FieldCipher', () => {
  const cipher = new FieldCipher(parseFieldKeys(`k1:${key()}`, blind));

  it('round-trips text, including Chinese, with a compact v1 token', () => {
    for (const plain of ['110105194912310021', '13812345678', '3-501', '', '蔡场镇正街12号']) {
      const token = cipher.encrypt(plain);
      expect(token).toMatch(/^v1\.k1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+$/);
      expect(token).not.toContain(plain || '\u0000');
      expect(cipher.decrypt(token)).toBe(plain);
    }
  });

  it('gives different tokens for the same value (random IV)', () => {
    const tokens = new Set(Array.from({ length: 5000 }, () => cipher.encrypt('13812345678')));
    expect(tokens.size).toBe(5000);
  });

  it('detects a tampered ciphertext, IV or relabelled key id', () => {
    const token = cipher.encrypt('13812345678');
    const [v, kid, iv, body] = token.split('.') as [string, string, string, string];
    const flip = (s: string, i: number) => s.slice(0, i) + (s[i] === 'A' ? 'B' : 'A') + s.slice(i + 1);
    expect(() => cipher.decrypt([v, kid, iv, flip(body, 2)].join('.'))).toThrow(FieldTokenError);
    expect(() => cipher.decrypt([v, kid, flip(iv, 3), body].join('.'))).toThrow('failed authentication');
    expect(() => cipher.decrypt([v, kid, iv, body.slice(0, -4)].join('.'))).toThrow(FieldTokenError);
    // Same key under another id: the AAD binds the token to its key id.
    const k = key();
    const twin = new FieldCipher(parseFieldKeys(`a:${k},b:${k}`, blind));
    const relabelled = twin.encrypt('x').replace(/^v1\.a\./, 'v1.b.');
    expect(() => twin.decrypt(relabelled)).toThrow('failed authentication');
  });

  it('names an unknown key id and malformed tokens clearly', () => {
    const other = new FieldCipher(parseFieldKeys(`k9:${key()}`, blind));
    expect(() => cipher.decrypt(other.encrypt('x'))).toThrow("key 'k9', which is not configured");
    expect(() => cipher.decrypt('plain text')).toThrow('malformed');
    expect(() => cipher.decrypt('v2.k1.AAAA.AAAA')).toThrow('unsupported version');
  });

  it('rotation: a token made with an old key decrypts after a new current key is added', () => {
    const oldKey = key();
    const before = new FieldCipher(parseFieldKeys(`k1:${oldKey}`, blind));
    const oldToken = before.encrypt('110105194912310021');
    const after = new FieldCipher(parseFieldKeys(`k2:${key()},k1:${oldKey}`, blind));
    expect(after.decrypt(oldToken)).toBe('110105194912310021');
    expect(after.keyIdOf(oldToken)).toBe('k1');
    expect(after.needsRotation(oldToken)).toBe(true);
    const fresh = after.encrypt(after.decrypt(oldToken));
    expect(after.keyIdOf(fresh)).toBe('k2');
    expect(after.needsRotation(fresh)).toBe(false);
    expect(after.currentKeyId).toBe('k2');
  });

  it('blind index: equal values give equal indexes, kinds and keys separate them', () => {
    const a = cipher.blindIndex('id', '110105194912310021');
    expect(a).toMatch(/^[0-9a-f]{24}$/);
    // The first 96 bits of HMAC-SHA256: the NarrowBlindIndexes migration relies on exactly this prefix.
    expect(a).toBe(
      createHmac('sha256', Buffer.from(blind, 'base64'))
        .update('id:110105194912310021')
        .digest('hex')
        .slice(0, 24),
    );
    expect(cipher.blindIndex('id', '110105194912310021')).toBe(a);
    expect(cipher.blindIndex('phone', '110105194912310021')).not.toBe(a);
    expect(cipher.blindIndex('id', '11010519491231002X')).not.toBe(a);
    // Rotating the encryption key leaves the index alone; another blind-index key changes it.
    const rotated = new FieldCipher(parseFieldKeys(`k5:${key()}`, blind));
    expect(rotated.blindIndex('id', '110105194912310021')).toBe(a);
    const otherBlind = new FieldCipher(parseFieldKeys(`k1:${key()}`, key()));
    expect(otherBlind.blindIndex('id', '110105194912310021')).not.toBe(a);
  });
});

describe('loadOrCreateDevFieldKeys', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sc-field-keys-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('creates a 0600 key file on first use and returns the same keys afterwards', () => {
    const first = loadOrCreateDevFieldKeys(dir);
    const file = path.join(dir, 'keys', 'people-field-keys.json');
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(loadOrCreateDevFieldKeys(dir)).toEqual(first);
    const cipher = new FieldCipher(parseFieldKeys(first.encKeys, first.blindIndexKey));
    expect(cipher.decrypt(cipher.encrypt('ok'))).toBe('ok');
  });

  it('keeps the keys that landed first when another process already wrote them', () => {
    fs.mkdirSync(path.join(dir, 'keys'));
    const theirs = { encKeys: `them:${key()}`, blindIndexKey: key() };
    fs.writeFileSync(path.join(dir, 'keys', 'people-field-keys.json'), JSON.stringify(theirs));
    expect(loadOrCreateDevFieldKeys(dir)).toEqual(theirs);
    expect(fs.readdirSync(path.join(dir, 'keys'))).toEqual(['people-field-keys.json']);
  });

  it('ends with one key set when several processes start together', async () => {
    // Real processes: the race is between "file absent" and "link", which one process cannot interleave.
    const { execFile } = await import('node:child_process');
    const { promisify } = await import('node:util');
    const run = promisify(execFile);
    const module = path.join(__dirname, 'field-cipher.ts');
    const code = `const { loadOrCreateDevFieldKeys } = require(${JSON.stringify(module)});
      process.stdout.write(loadOrCreateDevFieldKeys(${JSON.stringify(dir)}).encKeys);`;
    const outputs = await Promise.all(
      Array.from({ length: 4 }, () => run(process.execPath, ['--require', 'tsx/cjs', '-e', code])),
    );
    const keys = new Set(outputs.map((o) => o.stdout));
    expect(keys.size).toBe(1);
    expect(fs.readdirSync(path.join(dir, 'keys'))).toEqual(['people-field-keys.json']);
  }, 30_000);

  it('reports a corrupt key file by name without quoting it', () => {
    fs.mkdirSync(path.join(dir, 'keys'));
    fs.writeFileSync(path.join(dir, 'keys', 'people-field-keys.json'), '{"encKeys": "SECRETSTUFF');
    const err = thrown(() => loadOrCreateDevFieldKeys(dir));
    expect(String(err)).toContain('is not valid JSON');
    expect(String(err)).not.toContain('SECRETSTUFF');
  });
});
