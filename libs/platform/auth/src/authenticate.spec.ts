import jwt from 'jsonwebtoken';
import { UnauthenticatedError } from '@sc/graphql';
import { authenticate } from './authenticate';
import { StaticKeyResolver } from './key-resolvers';
import { generateTestSigningKey } from './test-keys';
import { TokenIssuer } from './token-issuer';
import { TokenVerifier } from './token-verifier';

const key = generateTestSigningKey();
const issuer = new TokenIssuer(key, { issuer: 'iss', audience: 'aud', ttlSeconds: 300 });
const verifier = new TokenVerifier(new StaticKeyResolver([key]), { issuer: 'iss', audience: 'aud' });
const token = issuer.issue({ subject: 'resident-1', roles: ['RESIDENT'], scopes: ['resident:r1'] }).token;

async function refusal(header: string): Promise<unknown> {
  return authenticate(header, verifier).then(
    () => undefined,
    (err: unknown) => err,
  );
}

describe('authenticate', () => {
  it('treats a request without an Authorization header as anonymous', async () => {
    await expect(authenticate(undefined, verifier)).resolves.toBeNull();
  });

  it('returns the principal for a valid bearer token, whatever the case of the scheme', async () => {
    for (const header of [`Bearer ${token}`, `bearer ${token}`, `BEARER  ${token}`, ` Bearer ${token} `]) {
      await expect(authenticate(header, verifier)).resolves.toMatchObject({
        subject: 'resident-1',
        roles: ['RESIDENT'],
        scopes: ['resident:r1'],
      });
    }
  });

  it.each([
    ['an empty header', ''],
    ['a scheme without a token', 'Bearer'],
    ['a scheme with only spaces after it', 'Bearer   '],
    ['another scheme', `Basic ${Buffer.from('user:pass').toString('base64')}`],
    ['a token without a scheme', token],
    ['two tokens', `Bearer ${token} ${token}`],
  ])('refuses %s instead of treating the caller as anonymous', async (_case, header) => {
    const error = await refusal(header);
    expect(error).toBeInstanceOf(UnauthenticatedError);
    expect(error).toMatchObject({
      message: 'expected "Authorization: Bearer <token>"',
      extensions: { code: 'UNAUTHENTICATED' },
    });
  });

  it('refuses a bearer token that fails verification, with the reason', async () => {
    const expired = jwt.sign(
      { sub: 'resident-1', roles: ['RESIDENT'], jti: 'j1', iat: 1, exp: 2, iss: 'iss', aud: 'aud' },
      key.privateKey,
      { algorithm: 'RS256', keyid: key.kid },
    );
    await expect(refusal(`Bearer ${expired}`)).resolves.toMatchObject({ message: 'token expired' });
    await expect(refusal('Bearer not.a.jwt')).resolves.toMatchObject({ message: 'malformed token' });
    await expect(refusal('Bearer garbage')).resolves.toMatchObject({ message: 'malformed token' });
  });
});
