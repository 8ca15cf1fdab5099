import { composeServices } from '@apollo/composition';
import { GraphQLError, parse } from 'graphql';
import { generateKeyPairSync } from 'node:crypto';
import http from 'node:http';
import type { Socket } from 'node:net';
import { Writable } from 'node:stream';
import pino from 'pino';
import { StaticKeyResolver, TokenIssuer, TokenVerifier, signingKeyFromPem } from '@sc/auth';
import { startSubgraph, type Listening } from '@sc/graphql';
import { startGateway } from './gateway';
import { inflightKey } from './subgraph-fetch';

type Body = {
  data?: Record<string, unknown> | null;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
};

const pem = generateKeyPairSync('rsa', { modulusLength: 2048 })
  .privateKey.export({ format: 'pem', type: 'pkcs8' })
  .toString();
const key = signingKeyFromPem(pem);
const issuer = new TokenIssuer(key, { issuer: 'iss', audience: 'aud', ttlSeconds: 600 });
const tokenOf = (subject: string) => issuer.issue({ subject, roles: ['ADMIN'], scopes: [] }).token;

const sdl = `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])
  type Query { whoAmI(tag: String): String, failing(tag: String): String }
  type Mutation { write(tag: String): Int }
`;

/** Polls `condition` until it holds (no time limit of its own: jest's timeout ends a hang). */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((r) => setTimeout(r, 5));
}

/**
 * A subgraph whose every resolver waits at a gate the test opens, counting the requests it received
 * and the writes it did; `whoAmI` answers with the caller's token, `failing` with a GraphQL error.
 */
async function startGatedSubgraph() {
  const state = { requests: 0, waiting: 0, writes: 0 };
  let open!: () => void;
  let gate = new Promise<void>((r) => (open = r));
  const held = async <T>(answer: () => T): Promise<T> => {
    state.waiting++;
    await gate;
    state.waiting--;
    return answer();
  };
  const subgraph = await startSubgraph<{ authorization?: string }>({
    name: 'gated',
    typeDefs: parse(sdl),
    resolvers: {
      Query: {
        whoAmI: (_: unknown, args: { tag?: string }, ctx: { authorization?: string }) =>
          held(() => `${args.tag ?? ''}:${ctx.authorization ?? 'nobody'}`),
        failing: () =>
          held(() => {
            throw new GraphQLError('the ledger is closed', { extensions: { code: 'CONFLICT' } });
          }),
      },
      Mutation: {
        write: () => held(() => ++state.writes),
      },
    },
    context: async (req) => {
      state.requests++;
      return { authorization: req.headers.authorization };
    },
    logger: pino({ level: 'silent' }),
    development: false,
    port: 0,
    host: '127.0.0.1',
  });
  return {
    subgraph,
    state,
    /** Lets every waiting resolver answer, and holds the next ones again. */
    release: () => {
      open();
      gate = new Promise<void>((r) => (open = r));
    },
  };
}

describe('merging of identical in-flight subgraph queries [starts: a gated subgraph, the gateway]', () => {
  let probe: Awaited<ReturnType<typeof startGatedSubgraph>>;
  let gateway: Listening;
  let url: string;
  const merged: unknown[] = [];

  beforeAll(async () => {
    probe = await startGatedSubgraph();
    const composed = composeServices([
      { name: 'gated', url: `${probe.subgraph.url}/graphql`, typeDefs: parse(sdl) },
    ]);
    if (composed.errors) throw composed.errors[0];
    // The gateway's debug line for each merged request is how the test knows a request joined another.
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        for (const line of chunk.toString().split('\n').filter(Boolean)) {
          const record = JSON.parse(line) as { msg?: string };
          if (record.msg === 'subgraph query merged with an identical one in flight') merged.push(record);
        }
        done();
      },
    });
    gateway = await startGateway({
      supergraphSdl: composed.supergraphSdl,
      subgraphUrls: {},
      verifier: new TokenVerifier(new StaticKeyResolver([key]), { issuer: 'iss', audience: 'aud' }),
      logger: pino({ level: 'debug' }, sink),
      development: false,
      port: 0,
      host: '127.0.0.1',
    });
    url = `${gateway.url}/graphql`;
  });
  afterAll(async () => {
    await gateway?.close();
    await probe?.subgraph.close();
  });
  beforeEach(() => {
    probe.state.requests = 0;
    merged.length = 0;
  });

  const ask = async (query: string, token?: string, extra: Record<string, string> = {}) => {
    const res = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...extra,
      },
      body: JSON.stringify({ query }),
    });
    return { status: res.status, body: (await res.json()) as Body };
  };

  it('sends one subgraph request for two identical queries of the same caller, and answers both', async () => {
    const token = tokenOf('alice');
    const first = ask('{ whoAmI(tag: "same") }', token);
    await until(() => probe.state.waiting === 1);
    // From another address: the caller's address is not part of the key (ADR 0035).
    const second = ask('{ whoAmI(tag: "same") }', token, { 'x-forwarded-for': '203.0.113.9' });
    await until(() => merged.length === 1);
    probe.release();
    const answers = await Promise.all([first, second]);
    for (const a of answers) {
      expect(a.status).toBe(200);
      expect(a.body).toEqual({ data: { whoAmI: `same:Bearer ${token}` } });
    }
    expect(probe.state.requests).toBe(1);
  });

  it('never merges the same query of two callers: each gets the answer to its own token', async () => {
    const alice = tokenOf('alice');
    const bob = tokenOf('bob');
    const first = ask('{ whoAmI(tag: "two") }', alice);
    await until(() => probe.state.waiting === 1);
    const second = ask('{ whoAmI(tag: "two") }', bob);
    // Bob's request reaches the subgraph on its own (were it merged, this would never hold).
    await until(() => probe.state.waiting === 2);
    const anonymous = ask('{ whoAmI(tag: "two") }');
    await until(() => probe.state.waiting === 3);
    probe.release();
    const [a, b, c] = await Promise.all([first, second, anonymous]);
    expect(a?.body).toEqual({ data: { whoAmI: `two:Bearer ${alice}` } });
    expect(b?.body).toEqual({ data: { whoAmI: `two:Bearer ${bob}` } });
    expect(c?.body).toEqual({ data: { whoAmI: 'two:nobody' } });
    expect(probe.state.requests).toBe(3);
    expect(merged).toHaveLength(0);
  });

  it('never merges queries that differ in their variables or fields', async () => {
    const token = tokenOf('alice');
    const first = ask('{ whoAmI(tag: "a") }', token);
    await until(() => probe.state.waiting === 1);
    const second = ask('{ whoAmI(tag: "b") }', token);
    await until(() => probe.state.waiting === 2);
    probe.release();
    const [a, b] = await Promise.all([first, second]);
    expect(a?.body).toEqual({ data: { whoAmI: `a:Bearer ${token}` } });
    expect(b?.body).toEqual({ data: { whoAmI: `b:Bearer ${token}` } });
    expect(merged).toHaveLength(0);
  });

  it('never merges mutations: two identical writes of the same caller both reach the subgraph', async () => {
    const token = tokenOf('alice');
    const writesBefore = probe.state.writes;
    const first = ask('mutation { write(tag: "x") }', token);
    await until(() => probe.state.waiting === 1);
    const second = ask('mutation { write(tag: "x") }', token);
    await until(() => probe.state.waiting === 2);
    probe.release();
    const answers = await Promise.all([first, second]);
    const counts = answers.map((a) => a.body.data?.['write']).sort();
    expect(counts).toEqual([writesBefore + 1, writesBefore + 2]);
    expect(probe.state.writes).toBe(writesBefore + 2);
    expect(merged).toHaveLength(0);
  });

  it('delivers the subgraph’s error to every merged caller, with its code', async () => {
    const token = tokenOf('alice');
    const first = ask('{ failing(tag: "e") }', token);
    await until(() => probe.state.waiting === 1);
    const second = ask('{ failing(tag: "e") }', token);
    await until(() => merged.length === 1);
    probe.release();
    const answers = await Promise.all([first, second]);
    for (const a of answers) {
      expect(a.body.data).toEqual({ failing: null });
      expect(a.body.errors).toHaveLength(1);
      expect(a.body.errors?.[0]).toMatchObject({
        message: 'the ledger is closed',
        extensions: { code: 'CONFLICT', serviceName: 'gated' },
      });
    }
    expect(probe.state.requests).toBe(1);
  });

  it('sends a query again once the answer of an identical one has arrived (merging is not a cache)', async () => {
    const token = tokenOf('alice');
    const first = ask('{ whoAmI(tag: "again") }', token);
    await until(() => probe.state.waiting === 1);
    probe.release();
    await first;
    const second = ask('{ whoAmI(tag: "again") }', token);
    await until(() => probe.state.waiting === 1);
    probe.release();
    expect((await second).body).toEqual({ data: { whoAmI: `again:Bearer ${token}` } });
    expect(probe.state.requests).toBe(2);
    expect(merged).toHaveLength(0);
  });
});

describe('a failed subgraph connection reaches every merged caller [starts: an HTTP server that drops connections, the gateway]', () => {
  it('answers each merged caller with the same masked fault', async () => {
    const sockets: Socket[] = [];
    let received = 0;
    const server = http.createServer((req) => {
      received++;
      sockets.push(req.socket);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    const composed = composeServices([
      { name: 'gated', url: `http://127.0.0.1:${port}/graphql`, typeDefs: parse(sdl) },
    ]);
    if (composed.errors) throw composed.errors[0];
    const merged: unknown[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        if (chunk.toString().includes('merged with an identical one in flight')) merged.push(chunk);
        done();
      },
    });
    const gateway = await startGateway({
      supergraphSdl: composed.supergraphSdl,
      subgraphUrls: {},
      verifier: new TokenVerifier(new StaticKeyResolver([key]), { issuer: 'iss', audience: 'aud' }),
      logger: pino({ level: 'debug' }, sink),
      development: false,
      port: 0,
      host: '127.0.0.1',
    });
    try {
      const token = tokenOf('alice');
      const ask = () =>
        fetch(`${gateway.url}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body: JSON.stringify({ query: '{ whoAmI(tag: "drop") }' }),
        }).then(async (res) => ({ status: res.status, body: (await res.json()) as Body }));
      const first = ask();
      await until(() => received === 1);
      const second = ask();
      await until(() => merged.length === 1);
      // Drop the connection: the query is sent once more on a new one (ADR 0029), dropped too.
      for (const s of sockets.splice(0)) s.destroy();
      await until(() => received === 2);
      for (const s of sockets.splice(0)) s.destroy();
      const answers = await Promise.all([first, second]);
      for (const a of answers) {
        expect(a.body.data).toEqual({ whoAmI: null });
        expect(a.body.errors?.[0]?.extensions?.['code']).toBe('INTERNAL_SERVER_ERROR');
        expect(JSON.stringify(a.body)).not.toContain(String(port));
      }
      expect(received).toBe(2);
    } finally {
      await gateway.close();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});

describe('inflightKey', () => {
  const init = (body: string, headers: Record<string, string>, extra: object = {}) => ({
    method: 'POST',
    body,
    headers,
    ...extra,
  });
  const query = JSON.stringify({ query: 'query Q__gated__0 { whoAmI }', variables: { a: 1 } });

  it('differs by token, URL, body and any header but the caller’s address', () => {
    const base = inflightKey('http://s/graphql', init(query, { authorization: 'Bearer a' }));
    expect(base).toBeDefined();
    expect(inflightKey('http://s/graphql', init(query, { authorization: 'Bearer b' }))).not.toBe(base);
    expect(inflightKey('http://s/graphql', init(query, {}))).not.toBe(base);
    expect(inflightKey('http://t/graphql', init(query, { authorization: 'Bearer a' }))).not.toBe(base);
    const other = JSON.stringify({ query: 'query Q__gated__0 { whoAmI }', variables: { a: 2 } });
    expect(inflightKey('http://s/graphql', init(other, { authorization: 'Bearer a' }))).not.toBe(base);
    expect(
      inflightKey('http://s/graphql', init(query, { authorization: 'Bearer a', cookie: 'sid=1' })),
    ).not.toBe(base);
    expect(
      inflightKey(
        'http://s/graphql',
        init(query, { authorization: 'Bearer a', 'x-forwarded-for': '10.0.0.1' }),
      ),
    ).toBe(base);
  });

  it('is undefined for a mutation, a request that can be aborted, or a body that is not a query', () => {
    const mutation = JSON.stringify({ query: 'mutation { write }' });
    expect(inflightKey('http://s/graphql', init(mutation, {}))).toBeUndefined();
    expect(inflightKey('http://s/graphql', init('not json', {}))).toBeUndefined();
    expect(
      inflightKey('http://s/graphql', init(query, {}, { signal: new AbortController().signal })),
    ).toBeUndefined();
    expect(inflightKey('http://s/graphql', undefined)).toBeUndefined();
  });
});
