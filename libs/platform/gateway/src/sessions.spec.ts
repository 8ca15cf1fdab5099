import type { IncomingMessage } from 'node:http';
import type { Principal } from '@sc/auth';
import { gatewayCookieSessions, gatewayEnvSchema } from './config';
import { checkCsrf, cookieNames, CsrfRefusedError, csrfTokenFor, parseCookies } from './sessions';

const principal = (sessionId?: string): Principal => ({
  subject: 'a1',
  tokenId: 'j1',
  roles: ['COMMUNITY_STAFF'],
  scopes: [],
  expiresAt: new Date(Date.now() + 60_000),
  ...(sessionId ? { sessionId } : {}),
});
const request = (headers: Record<string, string>) => ({ headers }) as unknown as IncomingMessage;
const refusal = (f: () => void) => {
  try {
    f();
  } catch (error) {
    if (error instanceof CsrfRefusedError) return error.reason;
    throw error;
  }
  return 'accepted';
};

describe('cookie session helpers', () => {
  const names = cookieNames(true);

  it('reads a Cookie header: first value of a name wins, quotes and blanks dropped', () => {
    const cookies = parseCookies('a=1; b="two"; a=3;  ; =x; c=');
    expect([...cookies]).toEqual([
      ['a', '1'],
      ['b', 'two'],
      ['c', ''],
    ]);
    expect(parseCookies(undefined).size).toBe(0);
  });

  it('accepts the header only when it equals the cookie and is signed for the session of the token', () => {
    const token = csrfTokenFor('session-1');
    const cookie = `${names.csrf}=${token}`;
    expect(
      refusal(() => checkCsrf(request({ cookie, 'x-csrf-token': token }), names, principal('session-1'))),
    ).toBe('accepted');
    expect(refusal(() => checkCsrf(request({ cookie }), names, principal('session-1')))).toBe(
      'CSRF_TOKEN_MISSING',
    );
    // Signed for another session (a planted pair), or no cookie, or a token without a session.
    expect(
      refusal(() => checkCsrf(request({ cookie, 'x-csrf-token': token }), names, principal('session-2'))),
    ).toBe('CSRF_TOKEN_INVALID');
    expect(refusal(() => checkCsrf(request({ 'x-csrf-token': token }), names, principal('session-1')))).toBe(
      'CSRF_TOKEN_INVALID',
    );
    expect(refusal(() => checkCsrf(request({ cookie, 'x-csrf-token': token }), names, principal()))).toBe(
      'CSRF_TOKEN_INVALID',
    );
    const other = csrfTokenFor('session-1');
    expect(other).not.toBe(token);
    expect(
      refusal(() => checkCsrf(request({ cookie, 'x-csrf-token': other }), names, principal('session-1'))),
    ).toBe('CSRF_TOKEN_INVALID');
  });

  it('names the cookies with __Host-/__Secure- only when they are Secure', () => {
    expect(cookieNames(true)).toEqual({
      access: '__Host-sc_access',
      refresh: '__Secure-sc_refresh',
      csrf: '__Host-sc_csrf',
    });
    expect(cookieNames(false)).toEqual({ access: 'sc_access', refresh: 'sc_refresh', csrf: 'sc_csrf' });
  });
});

describe('GATEWAY_COOKIE_SESSIONS and GATEWAY_COOKIE_SECURE', () => {
  it('are on and Secure by default', () => {
    expect(gatewayCookieSessions(gatewayEnvSchema.parse({ NODE_ENV: 'production' }))).toEqual({
      secure: true,
    });
    expect(
      gatewayCookieSessions(
        gatewayEnvSchema.parse({ NODE_ENV: 'production', GATEWAY_COOKIE_SESSIONS: 'false' }),
      ),
    ).toBeUndefined();
  });

  it('allow cookies without Secure in development only', () => {
    expect(
      gatewayCookieSessions(
        gatewayEnvSchema.parse({ NODE_ENV: 'development', GATEWAY_COOKIE_SECURE: 'false' }),
      ),
    ).toEqual({ secure: false });
    for (const NODE_ENV of ['production', 'test']) {
      expect(() => gatewayEnvSchema.parse({ NODE_ENV, GATEWAY_COOKIE_SECURE: 'false' })).toThrow(
        /GATEWAY_COOKIE_SECURE|development/,
      );
    }
  });
});
