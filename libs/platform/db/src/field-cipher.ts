import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  createSecretKey,
  type KeyObject,
  randomBytes,
  randomFillSync,
} from 'node:crypto';
import { readOrCreateSecretFile } from '@sc/config';
import { join, resolve } from 'node:path';

/** Hex digits of a blind index (96 bits); the `*_bidx`/`address_key` columns are this wide. */
export const BLIND_INDEX_HEX = 24;
/** Version tag of the token format; part of the AAD, so a token cannot be relabelled to another version. */
export const TOKEN_VERSION = 'v1';
const KEY_BYTES = 32;
export const IV_BYTES = 12;
const TAG_BYTES = 16;
const MIN_BLIND_INDEX_KEY_BYTES = 32;
/** Key ids appear in tokens between dots, so they must not contain one; short keeps tokens short. */
const KID_PATTERN = /^[A-Za-z0-9_-]{1,32}$/;
/** Canonical base64 (standard alphabet, optional padding). Buffer.from() silently skips bad characters. */
const BASE64_PATTERN = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}(?:==)?|[A-Za-z0-9+/]{3}=?)?$/;
const B64URL_PATTERN = /^[A-Za-z0-9_-]+$/;

/** What a blind index is computed over; the kind is part of the MAC input, so indexes never collide across kinds. */
export type BlindIndexKind = 'id' | 'phone' | 'door';

/** Parsed, validated key material of the field cipher. Build it with {@link parseFieldKeys}. */
export interface FieldKeys {
  /** Key id new tokens are encrypted with. */
  readonly currentKid: string;
  /** Every key that may still decrypt, by key id (includes the current one). */
  readonly keys: ReadonlyMap<string, Buffer>;
  /** HMAC-SHA256 key of the blind indexes. Never rotated with the encryption keys: that would re-index everything. */
  readonly blindIndexKey: Buffer;
}

/** Key configuration that is malformed. The message names what is wrong, never the key material. */
export class FieldKeyError extends Error {
  override readonly name = 'FieldKeyError';
}

/** A token that cannot be decrypted: malformed, unknown key id, or failed authentication (tampered). */
export class FieldTokenError extends Error {
  override readonly name = 'FieldTokenError';
}

/**
 * Parses the encryption keys and the blind-index key.
 *
 * @param encKeys `"kid1:<base64 32 bytes>,kid0:<base64 32 bytes>"`: the first key encrypts, all of them
 *   decrypt (rotation: add a new key in front, re-encrypt, then drop the old one).
 * @param blindIndexKey base64, at least 32 bytes.
 * @throws FieldKeyError naming the entry that is wrong (by position and key id), never echoing key bytes.
 */
export function parseFieldKeys(encKeys: string, blindIndexKey: string): FieldKeys {
  const entries = encKeys
    .split(',')
    .map((e) => e.trim())
    .filter((e) => e.length > 0);
  if (entries.length === 0) {
    throw new FieldKeyError('field encryption keys are empty; expected "kid:<base64 of 32 bytes>[,…]"');
  }
  const keys = new Map<string, Buffer>();
  entries.forEach((entry, index) => {
    const where = `field encryption key #${index + 1}`;
    const colon = entry.indexOf(':');
    if (colon < 0) throw new FieldKeyError(`${where} has no key id; expected "kid:<base64 of 32 bytes>"`);
    const kid = entry.slice(0, colon).trim();
    const material = entry.slice(colon + 1).trim();
    if (!KID_PATTERN.test(kid)) {
      throw new FieldKeyError(`${where} has an invalid key id; use 1–32 letters, digits, '-' or '_'`);
    }
    if (keys.has(kid)) throw new FieldKeyError(`${where}: key id '${kid}' appears more than once`);
    const key = decodeBase64(material);
    if (key === undefined) throw new FieldKeyError(`${where} ('${kid}') is not valid base64`);
    if (key.length !== KEY_BYTES) {
      throw new FieldKeyError(
        `${where} ('${kid}') must decode to ${KEY_BYTES} bytes for AES-256, got ${key.length}`,
      );
    }
    keys.set(kid, key);
  });
  const blind = decodeBase64(blindIndexKey.trim());
  if (blind === undefined) throw new FieldKeyError('blind index key is not valid base64');
  if (blind.length < MIN_BLIND_INDEX_KEY_BYTES) {
    throw new FieldKeyError(
      `blind index key must decode to at least ${MIN_BLIND_INDEX_KEY_BYTES} bytes, got ${blind.length}`,
    );
  }
  if ([...keys.values()].some((k) => k.equals(blind))) {
    // One secret serving two purposes would tie the blind indexes to the encryption key's rotation.
    throw new FieldKeyError('blind index key must differ from every field encryption key');
  }
  const [currentKid] = keys.keys();
  if (currentKid === undefined) throw new FieldKeyError('field encryption keys are empty');
  return { currentKid, keys, blindIndexKey: blind };
}

/** The on-disk shape of the development key file. */
interface DevKeyFile {
  encKeys: string;
  blindIndexKey: string;
}

/**
 * Development keys: reads `<dataDir>/keys/<file>` (`people-field-keys.json` by default; the cases
 * service uses `cases-contact-keys.json`), or generates it (mode 0600) on first use. Several processes may start at once (embedded app, import tool); all of them end up with the
 * keys that landed on disk first, never with two different sets (data encrypted with a lost key is lost).
 * Production supplies the keys through configuration instead.
 */
export function loadOrCreateDevFieldKeys(
  dataDir: string,
  file = 'people-field-keys.json',
): { encKeys: string; blindIndexKey: string } {
  const keyFile = join(dataDir, 'keys', file);
  const content = readOrCreateSecretFile(keyFile, () => {
    const generated: DevKeyFile = {
      encKeys: `dev${randomBytes(4).toString('hex')}:${randomBytes(KEY_BYTES).toString('base64')}`,
      blindIndexKey: randomBytes(KEY_BYTES).toString('base64'),
    };
    return `${JSON.stringify(generated, null, 2)}\n`;
  });
  return parseDevKeyFile(content, keyFile);
}

/**
 * Encrypts personal fields (ID number, phone, door) for storage and computes their blind indexes.
 *
 * Tokens are `v1.<kid>.<iv b64url>.<ciphertext+tag b64url>`: AES-256-GCM with a random 96-bit IV and
 * `"v1.<kid>"` as additional authenticated data. Equal plaintexts give different tokens; use
 * {@link FieldCipher.blindIndex} to look a value up or to enforce uniqueness.
 */
export class FieldCipher {
  // KeyObjects, not Buffers: with a raw Buffer OpenSSL 3 imports the key on every call, which makes one
  // encryption ~5× and one HMAC ~10× slower (measured: 16.7 → 3.5 µs and 14 → 1.4 µs).
  private readonly current: { kid: string; key: KeyObject; aad: Buffer; prefix: string };
  private readonly keys: ReadonlyMap<string, { key: KeyObject; aad: Buffer }>;
  private readonly blindKey: KeyObject;
  /**
   * IVs are cut from a pool refilled by one CSPRNG call: a randomBytes() call per field costs more
   * than the encryption itself on a million-row import. Every IV is still fresh random bytes.
   */
  private ivPool = Buffer.alloc(0);
  private ivOffset = 0;

  constructor(keys: FieldKeys) {
    const currentKey = keys.keys.get(keys.currentKid);
    if (currentKey === undefined) throw new FieldKeyError(`current key id '${keys.currentKid}' has no key`);
    const entries = new Map<string, { key: KeyObject; aad: Buffer }>();
    for (const [kid, key] of keys.keys) {
      entries.set(kid, { key: createSecretKey(key), aad: Buffer.from(`${TOKEN_VERSION}.${kid}`) });
    }
    this.keys = entries;
    this.current = {
      kid: keys.currentKid,
      key: createSecretKey(currentKey),
      aad: Buffer.from(`${TOKEN_VERSION}.${keys.currentKid}`),
      prefix: `${TOKEN_VERSION}.${keys.currentKid}.`,
    };
    this.blindKey = createSecretKey(keys.blindIndexKey);
  }

  /**
   * The current encryption key and the blind-index key as bytes, for {@link CipherWorker} only (it
   * runs the same computations on another thread). Never log or persist what this returns.
   */
  exportWorkerKeys(): { kid: string; encKey: Buffer; blindKey: Buffer } {
    return { kid: this.current.kid, encKey: this.current.key.export(), blindKey: this.blindKey.export() };
  }

  /** Key id tokens are encrypted with now. */
  get currentKeyId(): string {
    return this.current.kid;
  }

  /** Encrypts one value with the current key. */
  encrypt(plain: string): string {
    const iv = this.nextIv();
    const cipher = createCipheriv('aes-256-gcm', this.current.key, iv);
    cipher.setAAD(this.current.aad);
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final(), cipher.getAuthTag()]);
    return `${this.current.prefix}${iv.toString('base64url')}.${body.toString('base64url')}`;
  }

  /**
   * Decrypts a token made with any configured key.
   * @throws FieldTokenError for a malformed token, an unknown key id or a failed authentication.
   */
  decrypt(token: string): string {
    const { kid, iv, body } = splitToken(token);
    const entry = this.keys.get(kid);
    if (entry === undefined) {
      throw new FieldTokenError(`field token was encrypted with key '${kid}', which is not configured`);
    }
    const ivBytes = Buffer.from(iv, 'base64url');
    const bodyBytes = Buffer.from(body, 'base64url');
    if (ivBytes.length !== IV_BYTES || bodyBytes.length < TAG_BYTES) {
      throw new FieldTokenError('field token is malformed (bad IV or ciphertext length)');
    }
    const decipher = createDecipheriv('aes-256-gcm', entry.key, ivBytes);
    decipher.setAAD(entry.aad);
    decipher.setAuthTag(bodyBytes.subarray(bodyBytes.length - TAG_BYTES));
    try {
      return Buffer.concat([
        decipher.update(bodyBytes.subarray(0, bodyBytes.length - TAG_BYTES)),
        decipher.final(),
      ]).toString('utf8');
    } catch {
      throw new FieldTokenError(
        `field token failed authentication with key '${kid}' (tampered or corrupted)`,
      );
    }
  }

  /** The key id a token was encrypted with. @throws FieldTokenError for a malformed token. */
  keyIdOf(token: string): string {
    return splitToken(token).kid;
  }

  /** True when the token was made with a key other than the current one and should be re-encrypted. */
  needsRotation(token: string): boolean {
    return this.keyIdOf(token) !== this.current.kid;
  }

  /**
   * Deterministic keyed index of a value: the first {@link BLIND_INDEX_HEX} hex digits (96 bits) of
   * HMAC-SHA256 over `"<kind>:<value>"`. Equal values give equal indexes, so lookups and unique
   * constraints work without decrypting. Pass the normalized value (e.g. `normalizeIdNumber`), or two
   * spellings of one number get two indexes.
   *
   * 96 bits, not 256: every index entry is smaller, so a million residents' unique index stays in the
   * database's memory during a bulk import (ADR 0011). A collision among even 1.4 billion people has a
   * probability of ~10⁻¹¹; fewer bits also reveal nothing more than the full HMAC would.
   */
  blindIndex(kind: BlindIndexKind, value: string): string {
    return createHmac('sha256', this.blindKey)
      .update(`${kind}:${value}`, 'utf8')
      .digest('hex')
      .slice(0, BLIND_INDEX_HEX);
  }

  private nextIv(): Buffer {
    if (this.ivOffset + IV_BYTES > this.ivPool.length) {
      this.ivPool = randomFillSync(Buffer.allocUnsafe(IV_BYTES * 4096));
      this.ivOffset = 0;
    }
    const iv = this.ivPool.subarray(this.ivOffset, this.ivOffset + IV_BYTES);
    this.ivOffset += IV_BYTES;
    return iv;
  }
}

function splitToken(token: string): { kid: string; iv: string; body: string } {
  const parts = token.split('.');
  if (parts.length !== 4)
    throw new FieldTokenError('field token is malformed (expected 4 dot-separated parts)');
  const [version, kid, iv, body] = parts as [string, string, string, string];
  if (version !== TOKEN_VERSION) {
    throw new FieldTokenError(`field token has unsupported version; expected '${TOKEN_VERSION}'`);
  }
  if (!KID_PATTERN.test(kid) || !B64URL_PATTERN.test(iv) || !B64URL_PATTERN.test(body)) {
    throw new FieldTokenError('field token is malformed (bad key id or encoding)');
  }
  return { kid, iv, body };
}

function decodeBase64(text: string): Buffer | undefined {
  if (text.length === 0 || !BASE64_PATTERN.test(text)) return undefined;
  return Buffer.from(text, 'base64');
}

function parseDevKeyFile(text: string, file: string): { encKeys: string; blindIndexKey: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // The JSON.parse message quotes the input, i.e. key material: do not pass it on.
    throw new FieldKeyError(`field key file ${file} is not valid JSON`);
  }
  if (
    typeof parsed !== 'object' ||
    parsed === null ||
    !('encKeys' in parsed) ||
    !('blindIndexKey' in parsed) ||
    typeof parsed.encKeys !== 'string' ||
    typeof parsed.blindIndexKey !== 'string'
  ) {
    throw new FieldKeyError(`field key file ${file} must hold {"encKeys": string, "blindIndexKey": string}`);
  }
  // Fail here, naming the file, rather than later in whatever first builds a cipher.
  parseFieldKeys(parsed.encKeys, parsed.blindIndexKey);
  return { encKeys: parsed.encKeys, blindIndexKey: parsed.blindIndexKey };
}

/**
 * A service's field cipher from its two settings, or development keys in `<dataDir>/keys/<devFile>`
 * when both are unset (refused in production; one without the other is a mistake either way).
 */
export function configuredFieldCipher(
  settings: Readonly<Record<string, unknown>>,
  names: { keys: string; blindIndexKey: string },
  config: { nodeEnv: string; dataDir: string; devFile: string },
): FieldCipher {
  const enc = settings[names.keys] as string | undefined;
  const blind = settings[names.blindIndexKey] as string | undefined;
  if (enc && blind) return new FieldCipher(parseFieldKeys(enc, blind));
  if (enc || blind) {
    throw new Error(`set both ${names.keys} and ${names.blindIndexKey}, or neither (dev keys)`);
  }
  if (config.nodeEnv === 'production') {
    throw new Error(`${names.keys} and ${names.blindIndexKey} are required in production`);
  }
  const dev = loadOrCreateDevFieldKeys(resolve(config.dataDir), config.devFile);
  return new FieldCipher(parseFieldKeys(dev.encKeys, dev.blindIndexKey));
}
