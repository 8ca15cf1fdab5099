import { generateKeyPairSync } from 'node:crypto';
import { signingKeyFromPem, type SigningKey } from './keys';

/** A fresh 2048-bit RSA signing key, for specs only. */
export function generateTestSigningKey(): SigningKey {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return signingKeyFromPem(privateKey.export({ format: 'pem', type: 'pkcs8' }).toString());
}
