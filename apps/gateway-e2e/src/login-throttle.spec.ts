import { JwksKeyResolver, TokenVerifier } from '@sc/auth';
import { createLogger } from '@sc/config';
import { readSupergraph, startGateway } from '@sc/gateway';
import { TrustedProxies, type Listening } from '@sc/graphql';
import { DEMO_PASSWORD } from '@sc/roster';
import { errorCodes, TEST_LOG_LEVEL, type GraphQLResponse } from '@sc/testing';
import { supergraphFiles } from '@sc/services';
import { startStack, type Stack } from './stack';

const LOGIN = 'mutation($u: String!, $p: String!) { login(username: $u, password: $p) { token } }';

describe('login throttling by client address through the gateway [starts: roster + people on MariaDB, two gateways; needs: MariaDB, Kafka]', () => {
  let stack: Stack;
  /** A gateway behind a (simulated) load balancer on loopback: it believes X-Forwarded-For. */
  let proxied: Listening;

  beforeAll(async () => {
    // roster believes the gateways (on loopback); the account-wide limit is lowered to test it.
    stack = await startStack('throttle', {
      roster: { ROSTER_TRUSTED_PROXIES: 'loopback', LOGIN_ACCOUNT_MAX_FAILURES: '12' },
    });
    proxied = await startGateway({
      supergraphSdl: readSupergraph(...supergraphFiles()),
      subgraphUrls: { roster: `${stack.roster.url}/graphql`, people: `${stack.people.url}/graphql` },
      verifier: new TokenVerifier(new JwksKeyResolver(stack.roster.jwksUrl), {
        issuer: 'street-chief/roster',
        audience: 'street-chief',
      }),
      logger: createLogger({ service: 'throttle', level: TEST_LOG_LEVEL }),
      development: false,
      port: 0,
      host: '127.0.0.1',
      trustedProxies: new TrustedProxies(['loopback']),
    });
  });
  afterAll(async () => {
    await proxied?.close();
    await stack?.stop();
  });

  /** Signs in through `gatewayUrl` as a client the load balancer saw at `client`. */
  const login = async (gatewayUrl: string, username: string, password: string, client: string) => {
    const res = await fetch(gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': client },
      body: JSON.stringify({ query: LOGIN, variables: { u: username, p: password } }),
    });
    const body = (await res.json()) as Omit<GraphQLResponse<{ login: { token: string } }>, 'status'>;
    return body.data?.login.token ? 'OK' : (errorCodes({ status: res.status, ...body })[0] ?? 'none');
  };
  const viaProxy = (username: string, password: string, client: string) =>
    login(`${proxied.url}/graphql`, username, password, client);

  it('does not let a guesser lock out admin: guesses stop for the guesser’s address only', async () => {
    const guesses: string[] = [];
    for (let i = 0; i < 7; i++) guesses.push(await viaProxy('admin', `wrong-${i}`, '198.51.100.7'));
    expect(guesses).toEqual([...Array(5).fill('UNAUTHENTICATED'), 'RATE_LIMITED', 'RATE_LIMITED']);
    expect(await viaProxy('admin', DEMO_PASSWORD, '198.51.100.7')).toBe('RATE_LIMITED');
    // The administrator, at another address, signs in.
    expect(await viaProxy('admin', DEMO_PASSWORD, '203.0.113.8')).toBe('OK');
  });

  it('stops many addresses together at the slower account-wide limit', async () => {
    const failures = async (client: string, n: number) => {
      const codes: string[] = [];
      for (let i = 0; i < n; i++) codes.push(await viaProxy('officer', 'wrong', client));
      return codes;
    };
    expect(await failures('192.0.2.1', 5)).toEqual(Array(5).fill('UNAUTHENTICATED'));
    expect(await failures('192.0.2.2', 5)).toEqual(Array(5).fill('UNAUTHENTICATED'));
    // 12 failures in all: the account's allowance in this stack.
    expect(await failures('192.0.2.3', 3)).toEqual(['UNAUTHENTICATED', 'UNAUTHENTICATED', 'RATE_LIMITED']);
    expect(await viaProxy('officer', DEMO_PASSWORD, '192.0.2.4')).toBe('RATE_LIMITED');
  });

  it('ignores a forwarded-for header a client writes itself when no proxy is trusted (the default)', async () => {
    // The stack's own gateway trusts nobody: every request comes from its peer, 127.0.0.1.
    const codes: string[] = [];
    for (let i = 0; i < 6; i++) codes.push(await login(stack.gatewayUrl, 'staff', 'wrong', `10.9.9.${i}`));
    expect(codes).toEqual([...Array(5).fill('UNAUTHENTICATED'), 'RATE_LIMITED']);
    // Through the trusting gateway, the same header is believed: another client is not locked out.
    expect(await viaProxy('staff', DEMO_PASSWORD, '10.9.9.200')).toBe('OK');
  });
});
