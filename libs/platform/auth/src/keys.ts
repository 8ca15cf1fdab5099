import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type JsonWebKey,
  type KeyObject,
} from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readOrCreateSecretFile } from '@sc/config';

/** The only algorithm we sign and accept. jsonwebtoken 9 has no EdDSA support, so RSA it is. */
export const JWT_ALGORITHM = 'RS256';

const MIN_MODULUS_BITS = 2048;

/** A token-signing key pair; `kid` is the RFC 7638 thumbprint of the public key. */
export interface SigningKey {
  kid: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
}

/** A public key as published in a JWKS, without the private half. */
export interface PublicSigningKey {
  kid: string;
  publicKey: KeyObject;
}

/** RFC 7638 JWK thumbprint (base64url SHA-256) of an RSA public key. */
export function jwkThumbprint(key: KeyObject): string {
  const jwk = toPublicKey(key).export({ format: 'jwk' });
  if (jwk.kty !== 'RSA' || !jwk.n || !jwk.e) {
    throw new Error(`Only RSA keys are supported, got ${jwk.kty ?? 'unknown key type'}`);
  }
  // RFC 7638: the required members only, in lexicographic order, no whitespace.
  const canonical = JSON.stringify({ e: jwk.e, kty: jwk.kty, n: jwk.n });
  return createHash('sha256').update(canonical).digest('base64url');
}

/** Builds a signing key from a PEM private key (PKCS#8 or PKCS#1), e.g. one supplied by config. */
export function signingKeyFromPem(pem: string): SigningKey {
  const privateKey = createPrivateKey(pem);
  assertUsableRsaKey(privateKey);
  const publicKey = createPublicKey(privateKey);
  return { kid: jwkThumbprint(publicKey), privateKey, publicKey };
}

/** Where the development signing key of a data folder lives. */
export function devSigningKeyFile(dir: string): string {
  return join(dir, 'keys', 'jwt-signing-key.pem');
}

/**
 * The development key of a data folder, or undefined when the folder has none: for tools that sign
 * for a running system, where a fresh key would only make tokens that system refuses.
 */
export function loadDevSigningKey(dir: string): SigningKey | undefined {
  let pem: string;
  try {
    pem = readFileSync(devSigningKeyFile(dir), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  return signingKeyFromPem(pem);
}

/**
 * Development key: reads `<dir>/keys/jwt-signing-key.pem`, or creates a 2048-bit RSA key there on first use.
 * Several processes may start at once (the embedded app and the gateway); all of them end up with the key
 * that landed on disk first.
 */
export function loadOrCreateDevSigningKey(dir: string): SigningKey {
  const pem = readOrCreateSecretFile(devSigningKeyFile(dir), () =>
    generateKeyPairSync('rsa', { modulusLength: MIN_MODULUS_BITS })
      .privateKey.export({ format: 'pem', type: 'pkcs8' })
      .toString(),
  );
  return signingKeyFromPem(pem);
}

/** The public half of each key as a JWKS document, for `/.well-known/jwks.json`. */
export function toJwks(keys: ReadonlyArray<PublicSigningKey>): { keys: JsonWebKey[] } {
  return {
    keys: keys.map(({ kid, publicKey }) => {
      const jwk = toPublicKey(publicKey).export({ format: 'jwk' });
      // Pick members explicitly so nothing private can ever slip into the document.
      return { kty: jwk.kty, n: jwk.n, e: jwk.e, kid, alg: JWT_ALGORITHM, use: 'sig' };
    }),
  };
}

/** A private KeyObject handed in by mistake is reduced to its public half. */
export function toPublicKey(key: KeyObject): KeyObject {
  if (key.type === 'public') return key;
  if (key.type === 'private') return createPublicKey(key);
  throw new Error('A symmetric key cannot be a token signing key');
}

function assertUsableRsaKey(key: KeyObject): void {
  if (key.asymmetricKeyType !== 'rsa') {
    throw new Error(
      `JWT signing key must be RSA for ${JWT_ALGORITHM}, got ${key.asymmetricKeyType ?? 'unknown'}`,
    );
  }
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  if (bits < MIN_MODULUS_BITS) {
    throw new Error(`JWT signing key must have at least ${MIN_MODULUS_BITS} bits, got ${bits}`);
  }
}
