import jwt from 'jsonwebtoken';
import { DEMO_PASSWORD } from '@sc/roster';
import { errorCodes, gqlRequest } from '@sc/testing';
import { startStack, type Stack } from './stack';

const APP = 'https://app.example.org';
const ELSEWHERE = 'https://evil.example.net';
const VIEWER = '{ viewer { subject roles account { username } } }';

interface SessionBody {
  session: {
    expiresAt: string;
    refreshExpiresAt: string;
    csrfToken: string;
    account: { id: string; username: string; roles: string[] };
  };
}
interface ErrorBody {
  errors: { message: string; extensions: Record<string, unknown> }[];
}

/** One browser's cookies for the gateway, as a user agent keeps them (name → value; Max-Age=0 deletes). */
class CookieJar {
  readonly cookies = new Map<string, { value: string; attributes: string[] }>();

  take(res: Response): string[] {
    const set = res.headers.getSetCookie();
    for (const line of set) {
      const [pair = '', ...attributes] = line.split(';').map((s) => s.trim());
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq);
      if (attributes.some((a) => a.toLowerCase() === 'max-age=0')) this.cookies.delete(name);
      else this.cookies.set(name, { value: pair.slice(eq + 1), attributes });
    }
    return set;
  }

  /** The Cookie header for a path (cookies whose Path is a prefix of it). */
  header(path: string): string {
    return [...this.cookies]
      .filter(([, c]) => {
        const p = c.attributes.find((a) => a.startsWith('Path='))?.slice(5) ?? '/';
        return path === p || path.startsWith(p.endsWith('/') ? p : `${p}/`);
      })
      .map(([name, c]) => `${name}=${c.value}`)
      .join('; ');
  }

  value(name: string): string | undefined {
    return this.cookies.get(name)?.value;
  }
}

describe('the cookie session for same-site browser apps through the gateway [starts: every service on MariaDB, gateway; needs: MariaDB, Kafka]', () => {
  let stack: Stack;
  let base: string;

  beforeAll(async () => {
    stack = await startStack(
      'cookie_sessions',
      {},
      {
        readModels: false,
        gateway: { cors: { origins: [APP] }, cookieSessions: { secure: true } },
      },
    );
    base = stack.gateway.url;
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const post = (path: string, jar: CookieJar, body?: unknown, headers: Record<string, string> = {}) =>
    fetch(`${base}${path}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(jar.header(path) ? { cookie: jar.header(path) } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  const signIn = async (username: string, jar = new CookieJar()) => {
    const res = await post('/session', jar, { username, password: DEMO_PASSWORD }, { origin: APP });
    expect(res.status).toBe(200);
    jar.take(res);
    const body = (await res.json()) as SessionBody;
    return { jar, body, res };
  };

  /** A GraphQL request the way the app sends it with the cookie session: cookies and X-CSRF-Token. */
  const graphql = async (
    jar: CookieJar,
    query: string,
    csrf?: string,
    extra: Record<string, string> = {},
  ) => {
    const res = await post(
      '/graphql',
      jar,
      { query },
      { ...(csrf ? { 'x-csrf-token': csrf } : {}), ...extra },
    );
    return {
      status: res.status,
      ...((await res.json()) as { data?: Record<string, unknown> | null; errors?: ErrorBody['errors'] }),
    };
  };

  it('POST /session signs in: tokens only in HttpOnly, Secure, SameSite=Strict cookies; the CSRF token readable', async () => {
    const { jar, body, res } = await signIn('staff');
    const set = res.headers.getSetCookie();
    expect(set).toHaveLength(3);
    const line = (name: string) => set.find((l) => l.startsWith(`${name}=`)) ?? '';
    expect(line('__Host-sc_access')).toMatch(/; Path=\/; Max-Age=\d+; HttpOnly; Secure; SameSite=Strict$/);
    expect(line('__Secure-sc_refresh')).toMatch(
      /; Path=\/session; Max-Age=\d+; HttpOnly; Secure; SameSite=Strict$/,
    );
    // Readable by the app's scripts (no HttpOnly), the same value as in the body.
    expect(line('__Host-sc_csrf')).toMatch(/; Path=\/; Max-Age=\d+; Secure; SameSite=Strict$/);
    expect(jar.value('__Host-sc_csrf')).toBe(body.session.csrfToken);
    expect(res.headers.get('cache-control')).toBe('no-store');
    // The answer names the account; the tokens themselves are not in it.
    expect(body.session.account).toMatchObject({ username: 'staff', roles: ['COMMUNITY_STAFF'] });
    const text = JSON.stringify(body);
    expect(text).not.toContain(jar.value('__Host-sc_access'));
    expect(text).not.toContain(jar.value('__Secure-sc_refresh'));
    // The access cookie is a real token of the roster: the subgraph verifies it when it is forwarded.
    const me = await graphql(jar, VIEWER, body.session.csrfToken);
    expect(me.errors).toBeUndefined();
    expect(me.data).toEqual({
      viewer: {
        subject: body.session.account.id,
        roles: ['COMMUNITY_STAFF'],
        account: { username: 'staff' },
      },
    });
    // The refresh token is sent only to the session endpoints.
    expect(jar.header('/graphql')).not.toContain('sc_refresh');
    expect(jar.header('/session/refresh')).toContain('__Secure-sc_refresh=');
  });

  it('a wrong password is 401 UNAUTHENTICATED and sets no cookie; a missing field is 400 BAD_USER_INPUT naming it', async () => {
    const jar = new CookieJar();
    const wrong = await post('/session', jar, { username: 'staff', password: 'not the password' });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.getSetCookie()).toEqual([]);
    const body = (await wrong.json()) as ErrorBody;
    expect(body.errors[0]?.extensions).toMatchObject({ code: 'UNAUTHENTICATED', serviceName: 'roster' });

    const missing = await post('/session', jar, { username: 'staff' });
    expect(missing.status).toBe(400);
    expect(((await missing.json()) as ErrorBody).errors[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'password',
    });
  });

  it('a cookie-authenticated request without the CSRF header, or with a wrong one, is refused (403 FORBIDDEN) and runs nothing', async () => {
    const { jar, body } = await signIn('officer');
    const missing = await graphql(jar, VIEWER);
    expect(missing.status).toBe(403);
    expect(missing.data).toBeUndefined();
    expect(missing.errors?.[0]?.extensions).toMatchObject({
      code: 'FORBIDDEN',
      reason: 'CSRF_TOKEN_MISSING',
    });
    expect(missing.errors?.[0]?.message).toMatch(/X-CSRF-Token|x-csrf-token/i);

    const wrong = await graphql(jar, VIEWER, `${body.session.csrfToken.slice(0, -2)}AA`);
    expect(wrong.status).toBe(403);
    expect(wrong.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'CSRF_TOKEN_INVALID' });

    // A sibling site can plant a CSRF cookie of its choice (same site: SameSite does not stop it) and
    // send the same value in the header: a token of its own session is not signed for the victim's.
    const attacker = await signIn('county');
    const planted = new CookieJar();
    planted.cookies.set('__Host-sc_access', {
      value: jar.value('__Host-sc_access') ?? '',
      attributes: ['Path=/'],
    });
    planted.cookies.set('__Host-sc_csrf', { value: attacker.body.session.csrfToken, attributes: ['Path=/'] });
    const crossed = await graphql(planted, VIEWER, attacker.body.session.csrfToken);
    expect(crossed.status).toBe(403);
    expect(crossed.errors?.[0]?.extensions).toMatchObject({
      code: 'FORBIDDEN',
      reason: 'CSRF_TOKEN_INVALID',
    });

    // A refused mutation did not run: `logout` by the access cookie without the header leaves the
    // session alive, and its refresh still works.
    const logout = await graphql(jar, 'mutation { logout }');
    expect(logout.status).toBe(403);
    const refreshed = await post('/session/refresh', jar);
    expect(refreshed.status).toBe(200);
  });

  it('the Authorization header keeps working unchanged, needs no CSRF token, and wins over cookies', async () => {
    const staffToken = stack.tokens.mint(['COMMUNITY_STAFF'], { scopes: ['community:caichang'] });
    const header = await gqlRequest<{ viewer: { subject: string } }>(
      stack.gatewayUrl,
      VIEWER,
      {},
      staffToken,
    );
    expect(header.errors).toBeUndefined();
    expect(header.data?.viewer.subject).toBe('test-community_staff');
    // With a cookie session's cookies beside it (no CSRF header): the header is the credential.
    const { jar } = await signIn('chief01');
    const both = await graphql(jar, VIEWER, undefined, { authorization: `Bearer ${staffToken}` });
    expect(both.errors).toBeUndefined();
    expect(both.data).toMatchObject({ viewer: { subject: 'test-community_staff' } });
    // Without any credential: anonymous, as before.
    const anonymous = await graphql(new CookieJar(), VIEWER);
    expect(anonymous).toMatchObject({ status: 200, data: { viewer: null } });
  });

  it('an expired access cookie answers UNAUTHENTICATED with reason EXPIRED: the app refreshes, then retries', async () => {
    const jar = new CookieJar();
    const now = Math.floor(Date.now() / 1000);
    const expired = jwt.sign(
      {
        sub: 'x',
        roles: ['COMMUNITY_STAFF'],
        scopes: [],
        jti: 'j1',
        sid: 's1',
        iss: 'street-chief/roster',
        aud: 'street-chief',
        iat: now - 120,
        exp: now - 60,
      },
      stack.roster.signingKey.privateKey,
      { algorithm: 'RS256', keyid: stack.roster.signingKey.kid },
    );
    jar.cookies.set('__Host-sc_access', { value: expired, attributes: ['Path=/'] });
    const res = await graphql(jar, VIEWER, 'anything');
    expect(res.status).toBe(200);
    expect(errorCodes(res as never)).toEqual(['UNAUTHENTICATED']);
    expect(res.errors?.[0]?.extensions['reason']).toBe('EXPIRED');
  });

  it('cross-origin: preflights of the allowed origin pass with credentials and X-CSRF-Token; other origins and simple posts are refused', async () => {
    const preflight = (origin: string, path: string) =>
      fetch(`${base}${path}`, {
        method: 'OPTIONS',
        headers: {
          origin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'content-type, x-csrf-token',
        },
      });
    for (const path of ['/session', '/session/refresh', '/graphql']) {
      const ok = await preflight(APP, path);
      expect(ok.status).toBe(204);
      expect(ok.headers.get('access-control-allow-origin')).toBe(APP);
      expect(ok.headers.get('access-control-allow-credentials')).toBe('true');
      expect(ok.headers.get('access-control-allow-headers')).toContain('x-csrf-token');
      const refused = await preflight(ELSEWHERE, path);
      expect(refused.status).toBe(403);
      expect(refused.headers.get('access-control-allow-origin')).toBeNull();
    }
    // The allowed origin's sign-in answer may be read, cookies included (credentials).
    const { res } = await signIn('admin');
    expect(res.headers.get('access-control-allow-origin')).toBe(APP);
    expect(res.headers.get('access-control-allow-credentials')).toBe('true');
    // A form or text/plain post (what a browser sends cross-origin without a preflight) is refused
    // before anything runs, and sets no cookie.
    const simple = await fetch(`${base}/session`, {
      method: 'POST',
      headers: { origin: ELSEWHERE, 'content-type': 'text/plain' },
      body: JSON.stringify({ username: 'admin', password: DEMO_PASSWORD }),
    });
    expect(simple.status).toBe(400);
    expect(simple.headers.getSetCookie()).toEqual([]);
    expect(simple.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('POST /session/refresh rotates every cookie; the used refresh cookie sent again ends the whole session', async () => {
    const { jar, body } = await signIn('chief02');
    const stolen = new CookieJar();
    for (const [name, c] of jar.cookies) stolen.cookies.set(name, { ...c });
    const firstAccess = jar.value('__Host-sc_access');
    const firstRefresh = jar.value('__Secure-sc_refresh');

    const res = await post('/session/refresh', jar, undefined, { origin: APP });
    expect(res.status).toBe(200);
    expect(jar.take(res)).toHaveLength(3);
    const next = (await res.json()) as SessionBody;
    expect(next.session.account.username).toBe('chief02');
    expect(jar.value('__Host-sc_access')).not.toBe(firstAccess);
    expect(jar.value('__Secure-sc_refresh')).not.toBe(firstRefresh);
    // The CSRF token belongs to the session, not to one access token: it stays, so requests the app
    // sends while a refresh is under way keep working.
    expect(next.session.csrfToken).toBe(body.session.csrfToken);
    expect(jar.value('__Host-sc_csrf')).toBe(body.session.csrfToken);
    const me = await graphql(jar, VIEWER, next.session.csrfToken);
    expect(me.data).toMatchObject({ viewer: { account: { username: 'chief02' } } });

    // The copy with the used refresh token (a thief's) is refused, its cookies cleared, and the
    // legitimate holder's current refresh token dies with the session (reuse detection).
    const replay = await post('/session/refresh', stolen);
    expect(replay.status).toBe(401);
    expect(((await replay.json()) as ErrorBody).errors[0]?.extensions).toMatchObject({
      code: 'UNAUTHENTICATED',
    });
    const clearedNames = replay.headers
      .getSetCookie()
      .filter((l) => l.includes('Max-Age=0'))
      .map((l) => l.split('=')[0]);
    expect(clearedNames.sort()).toEqual(['__Host-sc_access', '__Host-sc_csrf', '__Secure-sc_refresh']);
    const holder = await post('/session/refresh', jar);
    expect(holder.status).toBe(401);
  });

  it('POST /session/refresh without a refresh cookie is 401', async () => {
    const res = await post('/session/refresh', new CookieJar());
    expect(res.status).toBe(401);
    expect(((await res.json()) as ErrorBody).errors[0]?.extensions['code']).toBe('UNAUTHENTICATED');
  });

  it('POST /session/logout revokes the session and clears the cookies; a second logout is false', async () => {
    const { jar, body } = await signIn('chief03');
    const kept = new CookieJar();
    for (const [name, c] of jar.cookies) kept.cookies.set(name, { ...c });

    const out = await post('/session/logout', jar, undefined, { origin: APP });
    expect(out.status).toBe(200);
    expect(await out.json()).toEqual({ loggedOut: true });
    jar.take(out);
    expect(jar.cookies.size).toBe(0);
    // Revoked in roster: the refresh token can no longer be used.
    const refresh = await post('/session/refresh', kept);
    expect(refresh.status).toBe(401);
    // Its access token stays valid until it expires (stateless, ADR 0027); the browser has dropped it.
    expect((await graphql(kept, VIEWER, body.session.csrfToken)).data).toMatchObject({
      viewer: { account: { username: 'chief03' } },
    });
    const again = await post('/session/logout', kept);
    expect(await again.json()).toEqual({ loggedOut: false });
  });
});
