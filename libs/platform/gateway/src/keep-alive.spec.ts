import { composeServices } from '@apollo/composition';
import { generateKeyPairSync } from 'node:crypto';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { once } from 'node:events';
import { parse } from 'graphql';
import { StaticKeyResolver, TokenVerifier, signingKeyFromPem } from '@sc/auth';
import { createLogger } from '@sc/config';
import { SERVER_KEEP_ALIVE_TIMEOUT_MS, startSubgraph, type Listening } from '@sc/graphql';
import { startGateway } from './gateway';
import { isQueryBody } from './subgraph-fetch';

const logger = createLogger({ service: 'test', level: 'silent' });
const key = signingKeyFromPem(
  generateKeyPairSync('rsa', { modulusLength: 2048 })
    .privateKey.export({ format: 'pem', type: 'pkcs8' })
    .toString(),
);
const verifier = () => new TokenVerifier(new StaticKeyResolver([key]), { issuer: 'iss', audience: 'aud' });
const sdl = 'type Query { calls: Int } type Mutation { hold: String }';

function compose(url: string): string {
  const composed = composeServices([{ name: 'probe', url, typeDefs: parse(sdl) }]);
  if (composed.errors) throw composed.errors[0];
  return composed.supergraphSdl;
}

const post = async (base: string, query: string) => {
  const res = await fetch(`${base}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query }),
  });
  return (await res.json()) as {
    data?: Record<string, unknown> | null;
    errors?: { message: string; extensions?: Record<string, unknown> }[];
  };
};

/**
 * A subgraph that speaks HTTP/1.1 by hand and closes a kept-alive connection at the worst moment:
 * the first request on each connection is answered (with `Connection: keep-alive`), and a later
 * request on the same connection is met with a TCP reset instead of an answer — what a client sees
 * when it sends on an idle socket in the instant the server times it out.
 */
async function startResettingSubgraph() {
  const state = { connections: 0, requests: 0, resets: 0, mutations: 0, calls: 0 };
  const server = net.createServer((socket) => {
    state.connections++;
    let onThisSocket = 0;
    let buffer = Buffer.alloc(0);
    socket.on('error', () => undefined);
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      for (;;) {
        const end = buffer.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = buffer.subarray(0, end).toString('latin1');
        const length = Number(/content-length:\s*(\d+)/i.exec(head)?.[1] ?? 0);
        if (buffer.length < end + 4 + length) return;
        const body = buffer.subarray(end + 4, end + 4 + length).toString('utf8');
        buffer = buffer.subarray(end + 4 + length);
        state.requests++;
        onThisSocket++;
        if (/mutation/.test(body)) state.mutations++;
        if (onThisSocket > 1) {
          state.resets++;
          socket.resetAndDestroy();
          return;
        }
        const data = /mutation/.test(body) ? { hold: 'held' } : { calls: ++state.calls };
        const text = JSON.stringify({ data });
        socket.write(
          `HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(text)}\r\n` +
            `connection: keep-alive\r\nkeep-alive: timeout=60\r\n\r\n${text}`,
        );
      }
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
  return { server, state, url };
}

describe('gateway → subgraph keep-alive [starts: a hand-written subgraph that resets reused sockets, the gateway]', () => {
  let fake: Awaited<ReturnType<typeof startResettingSubgraph>>;
  let gateway: Listening;

  beforeAll(async () => {
    fake = await startResettingSubgraph();
    gateway = await startGateway({
      supergraphSdl: compose(fake.url),
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
    await new Promise((resolve) => fake?.server.close(resolve));
  });

  it('a query whose reused socket is reset is sent again on a new connection, and answered', async () => {
    expect(await post(gateway.url, '{ calls }')).toEqual({ data: { calls: 1 } });
    const before = { ...fake.state };
    // The gateway reuses the idle socket of the first query; the subgraph resets it.
    expect(await post(gateway.url, '{ calls }')).toEqual({ data: { calls: 2 } });
    expect(fake.state.resets - before.resets).toBe(1);
    expect(fake.state.connections - before.connections).toBe(1);
    expect(fake.state.requests - before.requests).toBe(2);
  });

  it('a mutation is never sent twice: its reset stays a (masked) fault, and it reached the subgraph once', async () => {
    const before = { ...fake.state };
    const answer = await post(gateway.url, 'mutation { hold }');
    expect(fake.state.resets - before.resets).toBe(1);
    expect(fake.state.mutations - before.mutations).toBe(1);
    expect(answer.errors?.map((e) => e.extensions?.['code'])).toEqual(['INTERNAL_SERVER_ERROR']);
    expect(answer.data).toEqual({ hold: null });
  });
});

describe('subgraph HTTP server keep-alive [starts: a subgraph]', () => {
  it('keeps idle connections longer than the clients do, and says so', async () => {
    const subgraph = await startSubgraph({
      name: 'probe',
      typeDefs: parse(sdl),
      resolvers: { Query: { calls: () => 1 }, Mutation: { hold: () => 'held' } },
      context: async () => ({}),
      logger,
      development: false,
      port: 0,
      host: '127.0.0.1',
    });
    try {
      const res = await fetch(`${subgraph.url}/healthz`);
      expect(res.headers.get('keep-alive')).toBe(`timeout=${SERVER_KEEP_ALIVE_TIMEOUT_MS / 1000}`);
      expect(SERVER_KEEP_ALIVE_TIMEOUT_MS).toBeGreaterThan(60_000); // above load balancers' 60 s idle
    } finally {
      await subgraph.close();
    }
  });
});

describe('idle sockets across the server’s keep-alive timeout [starts: an HTTP server with a 1 s keep-alive, the gateway]', () => {
  it('every query succeeds when sent right after the server closed the previous idle connection', async () => {
    const closed: Promise<unknown>[] = [];
    const server = http.createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ data: { calls: 1 } }));
    });
    server.keepAliveTimeout = 1_000;
    server.on('connection', (socket: net.Socket) => closed.push(once(socket, 'close')));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const gateway = await startGateway({
      supergraphSdl: compose(`http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`),
      subgraphUrls: {},
      verifier: verifier(),
      logger,
      development: false,
      port: 0,
      host: '127.0.0.1',
    });
    try {
      for (let round = 0; round < 3; round++) {
        expect(await post(gateway.url, '{ calls }')).toEqual({ data: { calls: 1 } });
        // Wait until the subgraph's connections have closed (by the server's timeout, or the
        // client retiring them first), then send again over whatever the gateway kept.
        await Promise.all(closed.splice(0));
      }
    } finally {
      await gateway.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('isQueryBody', () => {
  it.each([
    ['{"query":"query($a: ID) { x }"}', true],
    ['{"query":"{ x }"}', true],
    ['{"query":"mutation { x }"}', false],
    ['{"query":"  mutation M { x }"}', false],
    ['not json', false],
  ])('%s → %s', (body, expected) => expect(isQueryBody(body)).toBe(expected));
});
