import { DEMO_PASSWORD, demoGridId, RefreshToken } from '@sc/roster';
import { errorCodes, gqlRequest } from '@sc/testing';
import { startStack, type Stack } from './stack';

const SESSION_FIELDS = 'token expiresAt refreshToken refreshExpiresAt account { username }';
const LOGIN = `mutation($u: String!, $p: String!) { login(username: $u, password: $p) { ${SESSION_FIELDS} } }`;
const REFRESH = `mutation($r: String!) { refreshSession(refreshToken: $r) { ${SESSION_FIELDS} } }`;
const LOGOUT = 'mutation($r: String) { logout(refreshToken: $r) }';
const VIEWER = `{ viewer { subject name roles scopes expiresAt residentId account { username } grids { id name } } }`;

interface Session {
  token: string;
  expiresAt: string;
  refreshToken: string;
  refreshExpiresAt: string;
  account: { username: string };
}
interface Viewer {
  subject: string;
  name: string | null;
  roles: string[];
  scopes: string[];
  expiresAt: string;
  residentId: string | null;
  account: { username: string } | null;
  grids: { id: string; name: string }[];
}

describe('sign-in sessions and the viewer through the gateway [starts: roster + people on MariaDB, gateway; needs: MariaDB, Kafka]', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack('sessions');
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const login = async (username: string) => {
    const res = await gqlRequest<{ login: Session }>(stack.gatewayUrl, LOGIN, {
      u: username,
      p: DEMO_PASSWORD,
    });
    expect(res.errors).toBeUndefined();
    return res.data!.login;
  };
  const refresh = (refreshToken: string) =>
    gqlRequest<{ refreshSession: Session }>(stack.gatewayUrl, REFRESH, { r: refreshToken });
  const viewer = (token?: string) =>
    gqlRequest<{ viewer: Viewer | null }>(stack.gatewayUrl, VIEWER, {}, token);

  it('login gives an access token and a refresh token, stored only as its hash', async () => {
    const session = await login('staff');
    expect(session.refreshToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(new Date(session.refreshExpiresAt).getTime()).toBeGreaterThan(
      new Date(session.expiresAt).getTime(),
    );
    const rows = await stack.roster.dataSource.getRepository(RefreshToken).find();
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.some((r) => r.tokenHash === session.refreshToken)).toBe(false);
    expect(JSON.stringify(rows)).not.toContain(session.refreshToken);
  });

  it('refreshSession rotates: a new access token that works, a new refresh token, the old one used up', async () => {
    const first = await login('staff');
    const next = await refresh(first.refreshToken);
    expect(next.errors).toBeUndefined();
    const second = next.data!.refreshSession;
    expect(second.refreshToken).not.toBe(first.refreshToken);
    expect(second.token).not.toBe(first.token);
    expect(second.account.username).toBe('staff');
    const me = await viewer(second.token);
    expect(me.data?.viewer?.account?.username).toBe('staff');
    // The next refresh token works once more.
    const third = await refresh(second.refreshToken);
    expect(third.errors).toBeUndefined();
  });

  it('a used refresh token presented again is refused and ends the whole session (theft detection)', async () => {
    const first = await login('officer');
    const second = (await refresh(first.refreshToken)).data!.refreshSession;
    const replay = await refresh(first.refreshToken);
    expect(errorCodes(replay)).toEqual(['UNAUTHENTICATED']);
    expect(replay.status).toBe(200);
    expect(replay.errors?.[0]?.message).toMatch(/Session expired or revoked/);
    // The thief's replay also revoked the legitimate holder's current token: both must sign in again.
    expect(errorCodes(await refresh(second.refreshToken))).toEqual(['UNAUTHENTICATED']);
  });

  it('logout with the refresh token ends the session; twice is false, not an error', async () => {
    const session = await login('county');
    const out = await gqlRequest<{ logout: boolean }>(stack.gatewayUrl, LOGOUT, { r: session.refreshToken });
    expect(out).toMatchObject({ data: { logout: true } });
    expect(errorCodes(await refresh(session.refreshToken))).toEqual(['UNAUTHENTICATED']);
    const again = await gqlRequest<{ logout: boolean }>(stack.gatewayUrl, LOGOUT, {
      r: session.refreshToken,
    });
    expect(again).toMatchObject({ data: { logout: false } });
    expect(again.errors).toBeUndefined();
  });

  it('logout without a refresh token ends the session of the access token sent', async () => {
    const session = await login('admin');
    const out = await gqlRequest<{ logout: boolean }>(stack.gatewayUrl, LOGOUT, {}, session.token);
    expect(out).toMatchObject({ data: { logout: true } });
    expect(errorCodes(await refresh(session.refreshToken))).toEqual(['UNAUTHENTICATED']);
    // Anonymous: nothing to end.
    const anonymous = await gqlRequest(stack.gatewayUrl, LOGOUT, {});
    expect(errorCodes(anonymous)).toEqual(['UNAUTHENTICATED']);
  });

  it('refuses a malformed or unknown refresh token with the same answer', async () => {
    for (const r of ['', 'x', 'A'.repeat(43)]) {
      const res = await refresh(r);
      expect(errorCodes(res)).toEqual(['UNAUTHENTICATED']);
      expect(res.errors?.[0]?.message).toMatch(/Session expired or revoked/);
    }
  });

  it('viewer of a chief who signed in: account, roles, scopes and the grid', async () => {
    const session = await login('chief01');
    const res = await viewer(session.token);
    expect(res.errors).toBeUndefined();
    expect(res.data!.viewer).toMatchObject({
      roles: ['STREET_CHIEF'],
      scopes: [`grid:${demoGridId(1)}`],
      account: { username: 'chief01' },
      residentId: null,
      grids: [{ id: demoGridId(1), name: expect.any(String) }],
    });
  });

  it('viewer of tokens from the token tool, which belong to no account: roles, scopes, resident id', async () => {
    const staff = await viewer(stack.tokens.mint(['COMMUNITY_STAFF'], { scopes: ['community:caichang'] }));
    expect(staff.errors).toBeUndefined();
    expect(staff.data!.viewer).toMatchObject({
      subject: 'test-community_staff',
      roles: ['COMMUNITY_STAFF'],
      scopes: ['community:caichang'],
      account: null,
      grids: [],
      residentId: null,
    });
    const residentId = '7d1f0c52-4f5b-4a55-9a36-0d8f3c1b2a11';
    const resident = await viewer(stack.tokens.mint(['RESIDENT'], { subject: residentId }));
    expect(resident.data!.viewer).toMatchObject({ subject: residentId, residentId, account: null });
    const chief = await viewer(stack.tokens.mint(['STREET_CHIEF'], { scopes: [`grid:${demoGridId(2)}`] }));
    expect(chief.data!.viewer?.grids.map((g) => g.id)).toEqual([demoGridId(2)]);
  });

  it('viewer is null without a token, and no error', async () => {
    const res = await viewer();
    expect(res).toMatchObject({ status: 200, data: { viewer: null } });
    expect(res.errors).toBeUndefined();
  });
});
