import { composeServices } from '@apollo/composition';
import { parse } from 'graphql';
import { createHash, generateKeyPairSync } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { StaticKeyResolver, TokenIssuer, TokenVerifier, signingKeyFromPem } from '@sc/auth';
import { createLogger } from '@sc/config';
import { DateTimeScalar, startSubgraph, TrustedProxies, type Listening } from '@sc/graphql';
import { startGateway } from './gateway';

type Body = {
  data?: Record<string, unknown> | null;
  errors: { message: string; extensions: Record<string, unknown> }[];
};
const json = async (res: Response) => (await res.json()) as Body;

const pem = generateKeyPairSync('rsa', { modulusLength: 2048 })
  .privateKey.export({ format: 'pem', type: 'pkcs8' })
  .toString();
const key = signingKeyFromPem(pem);
const issuer = new TokenIssuer(key, { issuer: 'iss', audience: 'aud', ttlSeconds: 60 });
const verifier = () => new TokenVerifier(new StaticKeyResolver([key]), { issuer: 'iss', audience: 'aud' });
const logger = createLogger({ service: 'test', level: 'silent' });
const sdl = `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])
  scalar DateTime
  type Item { name: String }
  type ItemConnection { totalCount: Int!, nodes: [Item!]! }
  input HoldInput { title: String!, heldAt: DateTime! }
  type Query { whoSentWhat: String, calls: Int, items(first: Int): ItemConnection!, boom: String }
  type Mutation { hold(input: HoldInput!): String, holdAt(heldAt: DateTime!): String }
`;
const BAD_DATES: unknown[] = ['', 'not a date', '2025-13-45T99:99:99Z', 1700000000, '2026-01-01'];

/** The probe subgraph: echoes what it was sent, counts calls and writes, has a fault on demand. */
async function startProbe(development: boolean) {
  const state = { calls: 0, writes: 0, lastAuthorization: undefined as string | undefined };
  const hold = (heldAt: Date) => {
    state.writes++;
    return `held at ${heldAt.toISOString()}`;
  };
  const subgraph = await startSubgraph<{ authorization?: string }>({
    name: 'probe',
    typeDefs: parse(sdl),
    resolvers: {
      DateTime: DateTimeScalar,
      Query: {
        whoSentWhat: (_: unknown, __: unknown, ctx: { authorization?: string }) =>
          ctx.authorization ?? 'nothing',
        calls: () => state.calls,
        items: (_: unknown, args: { first?: number }) => ({
          totalCount: 1000,
          nodes: Array.from({ length: args.first ?? 20 }, (__, i) => ({ name: `item ${i}` })),
        }),
        boom: () => {
          throw new Error('connection to db.internal:3306 refused');
        },
      },
      Mutation: {
        hold: (_: unknown, args: { input: { heldAt: Date } }) => hold(args.input.heldAt),
        holdAt: (_: unknown, args: { heldAt: Date }) => hold(args.heldAt),
      },
    },
    context: async (req) => {
      state.calls++;
      state.lastAuthorization = req.headers.authorization;
      return { authorization: req.headers.authorization };
    },
    logger,
    development,
    port: 0,
    host: '127.0.0.1',
  });
  return { subgraph, state };
}

function compose(url: string): string {
  const composed = composeServices([{ name: 'probe', url, typeDefs: parse(sdl) }]);
  if (composed.errors) throw composed.errors[0];
  return composed.supergraphSdl;
}

const post = (base: string, body: unknown, authorization?: string) =>
  fetch(`${base}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
    body: JSON.stringify(body),
  });

describe('gateway [starts: a probe subgraph and the gateway on ephemeral ports]', () => {
  let probe: Awaited<ReturnType<typeof startProbe>>;
  let gateway: Listening;

  beforeAll(async () => {
    probe = await startProbe(false);
    gateway = await startGateway({
      supergraphSdl: compose(`${probe.subgraph.url}/graphql`),
      subgraphUrls: {},
      verifier: verifier(),
      logger,
      development: false,
      port: 0,
      host: '127.0.0.1',
    });
  });
  afterAll(async () => {
    await gateway?.close();
    await probe?.subgraph.close();
  });

  const query = (q: string, authorization?: string) => post(gateway.url, { query: q }, authorization);

  it('forwards the caller’s Authorization header to the subgraph unchanged', async () => {
    const token = issuer.issue({ subject: 's', roles: ['ADMIN'] }).token;
    const body = await json(await query('{ whoSentWhat }', `Bearer ${token}`));
    expect(body.data!.whoSentWhat).toBe(`Bearer ${token}`);
  });

  it('sends no Authorization header for an anonymous caller', async () => {
    const body = await json(await query('{ whoSentWhat }'));
    expect(body.data!.whoSentWhat).toBe('nothing');
    expect(probe.state.lastAuthorization).toBeUndefined();
  });

  it('refuses a bad token itself, without calling the subgraph', async () => {
    const before = probe.state.calls;
    const res = await query('{ whoSentWhat }', 'Bearer a.b.c');
    expect(res.status).toBe(401);
    expect((await json(res)).errors[0]!.extensions).toEqual({
      code: 'UNAUTHENTICATED',
      reason: 'MALFORMED',
      serviceName: 'gateway',
    });
    expect(probe.state.calls).toBe(before);
  });

  it('counts operations and subgraph fetches on /metrics, for private networks only', async () => {
    const metricsOf = async (base: string, headers: Record<string, string> = {}) => {
      const res = await fetch(`${base}/metrics`, { headers });
      return { status: res.status, text: await res.text() };
    };
    const series = (text: string, line: RegExp) => Number(line.exec(text)?.[1] ?? 0);
    const ops = /^sc_graphql_requests_total\{[^}]*operation="Counted"[^}]*\} (\d+)$/m;
    const fetches = /^sc_gateway_subgraph_requests_total\{[^}]*subgraph="probe",outcome="ok"[^}]*\} (\d+)$/m;
    const before = await metricsOf(gateway.url);
    expect(before.status).toBe(200);
    for (let i = 0; i < 4; i++) await json(await post(gateway.url, { query: 'query Counted { calls }' }));
    const after = await metricsOf(gateway.url);
    expect(series(after.text, ops) - series(before.text, ops)).toBe(4);
    expect(series(after.text, fetches) - series(before.text, fetches)).toBe(4);
    expect(after.text).toMatch(/sc_gateway_subgraph_request_duration_seconds_bucket\{/);

    // Behind a trusted proxy, a public client is refused; the proxy's own network is not.
    const proxied = await startGateway({
      supergraphSdl: compose(`${probe.subgraph.url}/graphql`),
      subgraphUrls: {},
      verifier: verifier(),
      logger,
      development: false,
      port: 0,
      host: '127.0.0.1',
      trustedProxies: new TrustedProxies(['loopback']),
    });
    try {
      expect((await metricsOf(proxied.url, { 'x-forwarded-for': '203.0.113.9' })).status).toBe(404);
      expect((await metricsOf(proxied.url, { 'x-forwarded-for': '10.1.2.3' })).status).toBe(200);
      expect((await metricsOf(proxied.url)).status).toBe(200);
    } finally {
      await proxied.close();
    }
  });

  it('is ready when its subgraphs are', async () => {
    expect((await fetch(`${gateway.url}/readyz`)).status).toBe(200);
    expect((await fetch(`${gateway.url}/healthz`)).status).toBe(200);
  });

  it('has no landing page or introspection outside development', async () => {
    const body = await json(await query('{ __schema { queryType { name } } }'));
    expect(body.errors[0]!.extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });

  describe('a subgraph’s refusal keeps its code, message and field, and names the subgraph', () => {
    it.each(BAD_DATES.map((v) => [JSON.stringify(v), v]))(
      'a DateTime variable %s deep in an input: BAD_USER_INPUT with field input.heldAt, nothing written',
      async (_, heldAt) => {
        const writes = probe.state.writes;
        const res = await post(gateway.url, {
          query: 'mutation($input: HoldInput!) { hold(input: $input) }',
          variables: { input: { title: 't', heldAt } },
        });
        const text = await res.text();
        expect(text).not.toMatch(/stacktrace|400: Bad Request|INTERNAL_SERVER_ERROR/);
        const body = JSON.parse(text) as Body;
        expect(body.errors).toHaveLength(1);
        expect(body.errors[0]!.message).toMatch(/"input\.heldAt": DateTime must be an ISO-8601 date-time/);
        expect(body.errors[0]!.extensions).toEqual({
          code: 'BAD_USER_INPUT',
          field: 'input.heldAt',
          issues: [{ field: 'input.heldAt', message: body.errors[0]!.message }],
          serviceName: 'probe',
        });
        expect(probe.state.writes).toBe(writes);
      },
    );

    it('a DateTime variable as the argument itself: field is the variable', async () => {
      const body = await json(
        await post(gateway.url, {
          query: 'mutation($at: DateTime!) { holdAt(heldAt: $at) }',
          variables: { at: 'x' },
        }),
      );
      expect(body.errors[0]!.extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        field: 'at',
        serviceName: 'probe',
      });
    });

    it('a bad DateTime inline in the query: the subgraph’s validation error, no stack trace', async () => {
      const writes = probe.state.writes;
      const res = await query('mutation { hold(input: { title: "t", heldAt: "2025-13-45T99:99:99Z" }) }');
      const body = await json(res);
      expect(body.errors).toEqual([
        {
          message: 'DateTime must be an ISO-8601 date-time with a time zone',
          extensions: { code: 'GRAPHQL_VALIDATION_FAILED', serviceName: 'probe' },
        },
      ]);
      expect(probe.state.writes).toBe(writes);
    });

    it('a good DateTime still goes through', async () => {
      const body = await json(
        await post(gateway.url, {
          query: 'mutation($input: HoldInput!) { hold(input: $input) }',
          variables: { input: { title: 't', heldAt: '2026-01-01T08:00:00+08:00' } },
        }),
      );
      expect(body).toEqual({ data: { hold: 'held at 2026-01-01T00:00:00.000Z' } });
    });
  });

  it('a variable the gateway itself can check (a String for an Int) is BAD_USER_INPUT with its field, before any subgraph call', async () => {
    const before = probe.state.calls;
    const res = await post(gateway.url, {
      query: 'query($n: Int) { items(first: $n) { totalCount } }',
      variables: { n: 'ten' },
    });
    expect(res.status).toBe(400);
    const body = await json(res);
    expect(body.errors[0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'n' });
    expect(JSON.stringify(body)).not.toMatch(/stacktrace/);
    expect(probe.state.calls).toBe(before);
  });

  it.each([
    [
      'two operations and no operationName',
      { query: 'query A { calls } query B { calls }' },
      /multiple operations/,
    ],
    [
      'an unknown operationName',
      { query: 'query A { calls }', operationName: 'C' },
      /Unknown operation named "C"/,
    ],
  ])('%s: HTTP 400 OPERATION_RESOLUTION_FAILURE, no stack trace', async (_, request, message) => {
    const res = await post(gateway.url, request);
    expect(res.status).toBe(400);
    const body = await json(res);
    expect(body.errors).toEqual([
      {
        message: expect.stringMatching(message),
        // The gateway names itself on its own errors (docs/errors.md).
        extensions: { code: 'OPERATION_RESOLUTION_FAILURE', serviceName: 'gateway' },
      },
    ]);
  });

  it('masks a subgraph fault outside development', async () => {
    const body = await json(await query('{ boom }'));
    expect(body.errors).toEqual([
      { message: 'Internal server error', path: ['boom'], extensions: { code: 'INTERNAL_SERVER_ERROR' } },
    ]);
  });

  it('refuses an operation over the cost limit without calling the subgraph, saying the cost and the limit', async () => {
    const before = probe.state.calls;
    const aliases = Array.from({ length: 300 }, (_, i) => `a${i}: items(first: 100) { nodes { name } }`);
    const res = await query(`{ ${aliases.join(' ')} }`);
    expect(res.status).toBe(400);
    const body = await json(res);
    expect(body.errors).toEqual([
      {
        message: expect.stringMatching(/^Query cost 30300 exceeds the limit of 10000/),
        extensions: { code: 'GRAPHQL_VALIDATION_FAILED', cost: 30300, limit: 10000, serviceName: 'gateway' },
      },
    ]);
    expect(probe.state.calls).toBe(before);
    // The same, at a size a client may ask for, is answered.
    const fine = await json(await query(`{ ${aliases.slice(0, 50).join(' ')} }`));
    expect(fine.errors).toBeUndefined();
    expect(fine.data!['a49']).toEqual({ nodes: expect.arrayContaining([{ name: 'item 99' }]) });
  });

  it('counts a `first` given as a variable as what it asks for', async () => {
    const q =
      'query($n: Int) { a: items(first: $n) { nodes { name } } b: items(first: $n) { nodes { name } } }';
    const refused = await json(await post(gateway.url, { query: q, variables: { n: 5000 } }));
    expect(refused.errors[0]!.extensions).toMatchObject({ cost: 10002, limit: 10000 });
    const answered = await json(await post(gateway.url, { query: q, variables: { n: 3 } }));
    expect(answered.errors).toBeUndefined();
  });
});

describe('gateway in development, as `npm start` runs it [starts: a probe subgraph and the gateway]', () => {
  let probe: Awaited<ReturnType<typeof startProbe>>;
  let gateway: Listening;

  beforeAll(async () => {
    probe = await startProbe(true);
    gateway = await startGateway({
      supergraphSdl: compose(`${probe.subgraph.url}/graphql`),
      subgraphUrls: {},
      verifier: verifier(),
      logger,
      development: true,
      port: 0,
      host: '127.0.0.1',
    });
  });
  afterAll(async () => {
    await gateway?.close();
    await probe?.subgraph.close();
  });

  it.each([
    ['a subgraph fault', { query: '{ boom }' }],
    [
      'a bad DateTime variable',
      { query: 'mutation($d: DateTime!) { holdAt(heldAt: $d) }', variables: { d: '' } },
    ],
    ['a bad DateTime literal', { query: 'mutation { holdAt(heldAt: 1700000000) }' }],
    ['two operations', { query: 'query A { calls } query B { calls }' }],
    ['a syntax error', { query: '{ calls' }],
    ['an unknown field', { query: '{ nope }' }],
  ])('%s: no stack trace, neither from the gateway nor from the subgraph', async (_, request) => {
    for (const base of [gateway.url, probe.subgraph.url]) {
      const text = await (await post(base, request)).text();
      expect(text).toMatch(/"code":"[A-Z_]+"/);
      expect(text).not.toMatch(/stacktrace|node_modules|\.ts:\d+/);
    }
  });

  it('keeps a fault’s message in development, with INTERNAL_SERVER_ERROR', async () => {
    const body = await json(await post(gateway.url, { query: '{ boom }' }));
    expect(body.errors).toEqual([
      {
        message: 'connection to db.internal:3306 refused',
        path: ['boom'],
        extensions: { code: 'INTERNAL_SERVER_ERROR' },
      },
    ]);
  });
});

describe('gateway in front of a subgraph that answers with an error page [starts: a fake subgraph, the gateway]', () => {
  let fake: http.Server;
  let gateway: Listening;

  beforeAll(async () => {
    fake = http.createServer((_req, res) => {
      res.writeHead(502, { 'content-type': 'text/html' });
      res.end('<html><body>502 Bad Gateway at proxy-7.internal</body></html>');
    });
    await new Promise<void>((resolve) => fake.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(fake.address() as AddressInfo).port}/graphql`;
    gateway = await startGateway({
      supergraphSdl: compose(url),
      subgraphUrls: {},
      verifier: verifier(),
      logger,
      development: false,
      port: 0,
      host: '127.0.0.1',
    });
  });
  afterAll(async () => {
    await gateway?.close();
    await new Promise((resolve) => fake?.close(resolve));
  });

  it('answers a masked fault that shows neither the page nor the subgraph’s address', async () => {
    const res = await post(gateway.url, { query: '{ calls }' });
    const text = await res.text();
    expect(JSON.parse(text)).toEqual({
      data: { calls: null },
      errors: [{ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } }],
    });
    expect(text).not.toMatch(/proxy-7|127\.0\.0\.1|502/);
  });
});

describe('automatic persisted queries (ADR 0050) [starts: a probe subgraph and gateways]', () => {
  let probe: Awaited<ReturnType<typeof startProbe>>;
  const gateways: Listening[] = [];
  const start = async (persistedQueries?: { maxBytes?: number } | false) => {
    const gateway = await startGateway({
      supergraphSdl: compose(`${probe.subgraph.url}/graphql`),
      subgraphUrls: {},
      verifier: verifier(),
      logger,
      development: false,
      port: 0,
      host: '127.0.0.1',
      ...(persistedQueries !== undefined ? { persistedQueries } : {}),
    });
    gateways.push(gateway);
    return gateway;
  };
  beforeAll(async () => {
    probe = await startProbe(false);
  });
  afterAll(async () => {
    for (const g of gateways) await g.close();
    await probe?.subgraph.close();
  });

  const sha256 = (q: string) => createHash('sha256').update(q).digest('hex');
  const apq = (gateway: Listening, q: string, withText: boolean) =>
    post(gateway.url, {
      ...(withText ? { query: q } : {}),
      extensions: { persistedQuery: { version: 1, sha256Hash: sha256(q) } },
    }).then(json);
  const notFound = {
    errors: [
      expect.objectContaining({ extensions: expect.objectContaining({ code: 'PERSISTED_QUERY_NOT_FOUND' }) }),
    ],
  };

  it('answers a known hash without the text; an unknown one with PERSISTED_QUERY_NOT_FOUND', async () => {
    const gateway = await start();
    const q = '{ items(first: 2) { totalCount nodes { name } } }';
    expect(await apq(gateway, q, false)).toMatchObject(notFound);
    expect(await apq(gateway, q, true)).toEqual({
      data: { items: { totalCount: 1000, nodes: [{ name: 'item 0' }, { name: 'item 1' }] } },
    });
    expect(await apq(gateway, q, false)).toEqual({
      data: { items: { totalCount: 1000, nodes: [{ name: 'item 0' }, { name: 'item 1' }] } },
    });
  });

  it('keeps at most maxBytes of query text, dropping the least recently used first', async () => {
    // Room for two of these queries (each ~70 characters plus its ~70-character key), not three.
    const gateway = await start({ maxBytes: 300 });
    const [a, b, c] = [1, 2, 3].map((n) => `{ items(first: ${n}) { totalCount nodes { name } } }`) as [
      string,
      string,
      string,
    ];
    for (const q of [a, b]) expect((await apq(gateway, q, true)).data).toBeDefined();
    expect((await apq(gateway, a, false)).data).toBeDefined(); // a used: b is now the oldest
    expect((await apq(gateway, c, true)).data).toBeDefined();
    expect(await apq(gateway, b, false)).toMatchObject(notFound);
    expect((await apq(gateway, a, false)).data).toBeDefined();
    expect((await apq(gateway, c, false)).data).toBeDefined();
  });

  it('answers PERSISTED_QUERY_NOT_SUPPORTED when switched off', async () => {
    const gateway = await start(false);
    const body = await apq(gateway, '{ calls }', true);
    expect(body.errors[0]?.extensions['code']).toBe('PERSISTED_QUERY_NOT_SUPPORTED');
  });
});
