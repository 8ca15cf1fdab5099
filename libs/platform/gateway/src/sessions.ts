import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import type { Principal } from '@sc/auth';
import { readBody, type RouteHandler } from '@sc/graphql';

/**
 * The optional cookie session for same-site browser apps (ADR 0044). The gateway keeps no state of
 * its own: `/session`, `/session/refresh` and `/session/logout` run roster's `login`,
 * `refreshSession` and `logout` through the graph and carry their tokens in cookies scripts cannot
 * read, so rotation, reuse detection and revocation are those of the mutations.
 *
 * - access token: `__Host-sc_access` (HttpOnly, Path=/) — sent to `/graphql`, where the gateway turns
 *   it into `Authorization: Bearer …` for the subgraphs (which verify it themselves);
 * - refresh token: `__Secure-sc_refresh` (HttpOnly, Path=/session) — sent only to the session endpoints;
 * - CSRF token: `__Host-sc_csrf` (readable, Path=/), also in every session answer's body.
 *
 * All `SameSite=Strict; Secure`. Without `Secure` (http://localhost development only) the names lose
 * their prefixes, which browsers accept only on Secure cookies.
 */
export interface CookieSessionOptions {
  /** `Secure` cookies (and the `__Host-`/`__Secure-` names). Off only for http://localhost development. */
  secure: boolean;
}

/** Header a cookie-authenticated request must carry: the session's CSRF token (double submit). */
export const CSRF_HEADER = 'x-csrf-token';

export interface CookieNames {
  access: string;
  refresh: string;
  csrf: string;
}

export function cookieNames(secure: boolean): CookieNames {
  return secure
    ? { access: '__Host-sc_access', refresh: '__Secure-sc_refresh', csrf: '__Host-sc_csrf' }
    : { access: 'sc_access', refresh: 'sc_refresh', csrf: 'sc_csrf' };
}

/** Cookies of a request (RFC 6265 §5.4 `Cookie` header), first value of a name wins. */
export function parseCookies(header: string | undefined): Map<string, string> {
  const cookies = new Map<string, string>();
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim();
    let value = part.slice(eq + 1).trim();
    if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) value = value.slice(1, -1);
    if (name && !cookies.has(name)) cookies.set(name, value);
  }
  return cookies;
}

/**
 * The CSRF token of a session: a nonce and its HMAC keyed with the session id (`sid`). Signed double
 * submit (OWASP CSRF cheat sheet): the header must equal the cookie AND be signed for the session of
 * the access cookie, so a cookie planted by a sibling subdomain (same site, so SameSite does not stop
 * it) is worthless without the victim's session id, which sits only in the HttpOnly access token.
 */
export function csrfTokenFor(sessionId: string, nonce = randomBytes(16).toString('base64url')): string {
  return `${nonce}.${createHmac('sha256', sessionId).update(`csrf\n${nonce}`).digest('base64url')}`;
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export type CsrfRefusal = 'CSRF_TOKEN_MISSING' | 'CSRF_TOKEN_INVALID';

/** A cookie-authenticated request without a valid CSRF header: FORBIDDEN, HTTP 403, nothing runs. */
export class CsrfRefusedError extends GraphQLError {
  constructor(readonly reason: CsrfRefusal) {
    super(
      reason === 'CSRF_TOKEN_MISSING'
        ? `Cookie session: send the session's CSRF token in the ${CSRF_HEADER} header`
        : `Cookie session: the ${CSRF_HEADER} header does not match this session's CSRF token`,
      { extensions: { code: 'FORBIDDEN', reason, http: { status: 403 } } },
    );
    this.name = 'CsrfRefusedError';
  }
}

/**
 * Checks the double submit of a cookie-authenticated request whose access token verified as
 * `principal`: `X-CSRF-Token` present, equal to the CSRF cookie, and signed for the token's session.
 */
export function checkCsrf(req: IncomingMessage, names: CookieNames, principal: Principal): void {
  const header = req.headers[CSRF_HEADER];
  const sent = Array.isArray(header) ? header[0] : header;
  if (!sent) throw new CsrfRefusedError('CSRF_TOKEN_MISSING');
  const cookie = parseCookies(req.headers.cookie).get(names.csrf);
  const [nonce] = sent.split('.', 1);
  const ok =
    cookie !== undefined &&
    sameText(sent, cookie) &&
    principal.sessionId !== undefined &&
    nonce !== undefined &&
    sameText(sent, csrfTokenFor(principal.sessionId, nonce));
  if (!ok) throw new CsrfRefusedError('CSRF_TOKEN_INVALID');
}

/** The access token of the request's access cookie, if any. */
export function accessCookie(req: IncomingMessage, names: CookieNames): string | undefined {
  const value = parseCookies(req.headers.cookie).get(names.access);
  return value ? value : undefined;
}

/** What a session endpoint asks of the graph: one operation, run by the gateway like any request. */
export type RunOperation = (
  req: IncomingMessage,
  query: string,
  variables: Record<string, unknown>,
  authorization?: string,
) => Promise<{ data?: Record<string, unknown> | null; errors?: readonly GraphQLFormattedError[] }>;

interface LoginPayload {
  token: string;
  expiresAt: string;
  refreshToken: string;
  refreshExpiresAt: string;
  account: Record<string, unknown>;
}

const PAYLOAD =
  'token expiresAt refreshToken refreshExpiresAt account { id username displayName roles scopes }';
const LOGIN = `mutation SessionLogin($username: String!, $password: String!) { login(username: $username, password: $password) { ${PAYLOAD} } }`;
const REFRESH = `mutation SessionRefresh($refreshToken: String!) { refreshSession(refreshToken: $refreshToken) { ${PAYLOAD} } }`;
const LOGOUT = 'mutation SessionLogout($refreshToken: String) { logout(refreshToken: $refreshToken) }';

/** HTTP status of a session endpoint's refusal, by the error's code. */
function statusOf(errors: readonly GraphQLFormattedError[]): number {
  const code = errors[0]?.extensions?.['code'];
  switch (code) {
    case 'BAD_USER_INPUT':
    case 'BAD_REQUEST':
      return 400;
    case 'UNAUTHENTICATED':
      return 401;
    case 'FORBIDDEN':
      return 403;
    case 'RATE_LIMITED':
      return 429;
    default:
      return 500;
  }
}

function sendBody(res: ServerResponse, status: number, body: unknown, cookies: string[] = []): void {
  const text = JSON.stringify(body);
  // Answers carry tokens in cookies and a CSRF token in the body: never cached.
  res.setHeader('cache-control', 'no-store');
  if (cookies.length > 0) res.setHeader('set-cookie', cookies);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

function requestError(message: string, field?: string): GraphQLFormattedError {
  return field
    ? {
        message,
        extensions: { code: 'BAD_USER_INPUT', field, issues: [{ field, message }], serviceName: 'gateway' },
      }
    : { message, extensions: { code: 'BAD_REQUEST', serviceName: 'gateway' } };
}

/**
 * The session endpoints, as routes of the gateway's HTTP layer. Every one takes
 * `content-type: application/json` only: a browser sends that cross-origin only after a preflight,
 * which the CORS policy refuses for origins not allowed, so no other site can post to them.
 */
export function sessionRoutes(
  options: CookieSessionOptions & {
    run: RunOperation;
    /** The session id (`sid`) of a token roster just issued, verified like any other token. */
    sessionOf: (token: string) => Promise<string>;
    maxBodyBytes: number;
  },
): Record<string, RouteHandler> {
  const names = cookieNames(options.secure);
  const attributes = (path: string, maxAgeSeconds: number, httpOnly: boolean) =>
    [
      `Path=${path}`,
      `Max-Age=${Math.max(0, Math.floor(maxAgeSeconds))}`,
      ...(httpOnly ? ['HttpOnly'] : []),
      ...(options.secure ? ['Secure'] : []),
      'SameSite=Strict',
    ].join('; ');
  const set = (name: string, value: string, path: string, maxAge: number, httpOnly: boolean) =>
    `${name}=${value}; ${attributes(path, maxAge, httpOnly)}`;
  const cleared = () => [
    set(names.access, '', '/', 0, true),
    set(names.refresh, '', '/session', 0, true),
    set(names.csrf, '', '/', 0, false),
  ];

  /** Cookies and body of a new or rotated session. */
  const established = (
    req: IncomingMessage,
    res: ServerResponse,
    payload: LoginPayload,
    sessionId: string,
  ) => {
    // Every cookie lives as long as the refresh token: an access cookie past its token's `exp` still
    // reaches /graphql and answers UNAUTHENTICATED with reason EXPIRED (refresh, then retry), rather
    // than vanishing into an anonymous request.
    const maxAge = (new Date(payload.refreshExpiresAt).getTime() - Date.now()) / 1000;
    // The CSRF token belongs to the session: a refresh keeps the one the browser holds when it is
    // signed for this session, so requests sent while a refresh is under way are not refused.
    const held = parseCookies(req.headers.cookie).get(names.csrf);
    const nonce = held?.split('.', 1)[0];
    const csrfToken =
      held !== undefined && nonce && sameText(held, csrfTokenFor(sessionId, nonce))
        ? held
        : csrfTokenFor(sessionId);
    sendBody(
      res,
      200,
      {
        session: {
          expiresAt: payload.expiresAt,
          refreshExpiresAt: payload.refreshExpiresAt,
          csrfToken,
          account: payload.account,
        },
      },
      [
        set(names.access, payload.token, '/', maxAge, true),
        set(names.refresh, payload.refreshToken, '/session', maxAge, true),
        set(names.csrf, csrfToken, '/', maxAge, false),
      ],
    );
  };

  const jsonOnly = (req: IncomingMessage, res: ServerResponse): boolean => {
    const type = String(req.headers['content-type'] ?? '')
      .split(';')[0]
      ?.trim()
      .toLowerCase();
    if (type === 'application/json') return true;
    sendBody(res, 400, { errors: [requestError('Session endpoints take content-type: application/json')] });
    return false;
  };

  const readJson = async (req: IncomingMessage): Promise<unknown> => {
    const raw = await readBody(req, options.maxBodyBytes);
    if (raw.trim() === '') return {};
    return JSON.parse(raw) as unknown;
  };

  const refusal = (res: ServerResponse, errors: readonly GraphQLFormattedError[], clear: boolean) => {
    const retry = errors[0]?.extensions?.['retryAfterSeconds'];
    if (typeof retry === 'number') res.setHeader('retry-after', String(retry));
    sendBody(res, statusOf(errors), { errors }, clear ? cleared() : []);
  };

  return {
    'POST /session': async (req, res) => {
      if (!jsonOnly(req, res)) return;
      let body: unknown;
      try {
        body = await readJson(req);
      } catch (error) {
        // Too large: the HTTP layer answers 413.
        if (!(error instanceof SyntaxError)) throw error;
        return sendBody(res, 400, { errors: [requestError('Request body is not valid JSON')] });
      }
      const input = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
      for (const field of ['username', 'password'] as const) {
        if (typeof input[field] !== 'string' || input[field] === '')
          return sendBody(res, 400, { errors: [requestError(`${field} is required (a string)`, field)] });
      }
      const answer = await options.run(req, LOGIN, {
        username: input['username'],
        password: input['password'],
      });
      const payload = answer.data?.['login'] as LoginPayload | undefined;
      if (!payload || answer.errors?.length) return refusal(res, answer.errors ?? [], false);
      established(req, res, payload, await options.sessionOf(payload.token));
    },

    'POST /session/refresh': async (req, res) => {
      if (!jsonOnly(req, res)) return;
      const refreshToken = parseCookies(req.headers.cookie).get(names.refresh);
      if (!refreshToken) {
        return refusal(
          res,
          [
            {
              message: 'No cookie session: sign in with POST /session',
              extensions: { code: 'UNAUTHENTICATED', serviceName: 'gateway' },
            },
          ],
          true,
        );
      }
      const answer = await options.run(req, REFRESH, { refreshToken });
      const payload = answer.data?.['refreshSession'] as LoginPayload | undefined;
      // A refused refresh (expired, revoked, or a used token sent again, which ends the session) leaves
      // nothing usable behind: the cookies go.
      if (!payload || answer.errors?.length) return refusal(res, answer.errors ?? [], true);
      established(req, res, payload, await options.sessionOf(payload.token));
    },

    'POST /session/logout': async (req, res) => {
      if (!jsonOnly(req, res)) return;
      const cookies = parseCookies(req.headers.cookie);
      const refreshToken = cookies.get(names.refresh);
      const access = cookies.get(names.access);
      let ended = false;
      if (refreshToken || access) {
        // By refresh token when the browser sent it; else the session of the access token (its sid).
        const answer = refreshToken
          ? await options.run(req, LOGOUT, { refreshToken })
          : await options.run(req, LOGOUT, {}, `Bearer ${access}`);
        const code = answer.errors?.[0]?.extensions?.['code'];
        // An access token that no longer verifies has no session to end: the cookies go all the same.
        if (answer.errors?.length && code !== 'UNAUTHENTICATED') return refusal(res, answer.errors, false);
        ended = answer.data?.['logout'] === true;
      }
      sendBody(res, 200, { loggedOut: ended }, cleared());
    },
  };
}
