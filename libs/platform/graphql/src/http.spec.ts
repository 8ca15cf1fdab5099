import { parse } from 'graphql';
import { createLogger } from '@sc/config';
import { TokenRefusedError, UnauthenticatedError } from './errors';
import { startSubgraph } from './subgraph';
import type { Listening } from './http';

type Body = {
  data?: Record<string, unknown>;
  errors: { message: string; extensions: Record<string, unknown> }[];
};
const json = async (res: Response) => (await res.json()) as Body;

const typeDefs = parse(`
  type Query { hello: String, boom: String, secret: String }
`);

describe('subgraph HTTP layer [starts: a subgraph on an ephemeral port]', () => {
  let server: Listening;
  let ready = true;
  beforeAll(async () => {
    server = await startSubgraph<{ user: string | null }>({
      name: 'test',
      typeDefs,
      resolvers: {
        Query: {
          hello: () => 'world',
          boom: () => {
            throw new Error('database password is hunter2');
          },
          secret: () => {
            throw new UnauthenticatedError();
          },
        },
      },
      context: async (req) => {
        if (req.headers.authorization === 'Bearer bad')
          throw new TokenRefusedError('MALFORMED', 'malformed token');
        if (req.headers.authorization === 'Bearer old')
          throw new TokenRefusedError('EXPIRED', 'token expired');
        return { user: null };
      },
      logger: createLogger({ service: 'test', level: 'silent' }),
      development: false,
      port: 0,
      host: '127.0.0.1',
      limits: { maxBodyBytes: 2_000 },
      readiness: [
        {
          name: 'db',
          check: async () => {
            if (!ready) throw new Error('down');
          },
        },
      ],
    });
  });
  afterAll(() => server.close());

  const post = (body: string, headers: Record<string, string> = {}) =>
    fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body,
    });

  it('answers a query', async () => {
    expect(await json(await post('{"query":"{ hello }"}'))).toEqual({ data: { hello: 'world' } });
  });

  it('hides a fault behind INTERNAL_SERVER_ERROR without message or stack', async () => {
    const body = await json(await post('{"query":"{ boom }"}'));
    expect(body.errors[0]).toEqual({
      message: 'Internal server error',
      locations: expect.any(Array),
      path: ['boom'],
      extensions: { code: 'INTERNAL_SERVER_ERROR' },
    });
    expect(JSON.stringify(body)).not.toContain('hunter2');
  });

  it('keeps a typed error with its code', async () => {
    const body = await json(await post('{"query":"{ secret }"}'));
    expect(body.errors[0]!.extensions).toEqual({ code: 'UNAUTHENTICATED' });
  });

  it('refuses an unreadable token with 401 before executing anything', async () => {
    const res = await post('{"query":"{ hello }"}', { authorization: 'Bearer bad' });
    expect(res.status).toBe(401);
    const body = await json(res);
    expect(body.errors[0]!.extensions).toEqual({ code: 'UNAUTHENTICATED', reason: 'MALFORMED' });
    expect(body.data).toBeUndefined();
  });

  it('refuses an expired token with 200 + UNAUTHENTICATED (reason EXPIRED), like a field would, executing nothing', async () => {
    const res = await post('{"query":"{ hello }"}', { authorization: 'Bearer old' });
    expect(res.status).toBe(200);
    const body = await json(res);
    expect(body.errors).toEqual([
      { message: 'token expired', extensions: { code: 'UNAUTHENTICATED', reason: 'EXPIRED' } },
    ]);
    expect(body.data).toBeUndefined();
  });

  it('refuses malformed JSON (400) and an oversized body (413)', async () => {
    expect((await post('{"query":')).status).toBe(400);
    expect((await post(JSON.stringify({ query: `{ hello ${' '.repeat(3_000)}}` }))).status).toBe(413);
  });

  it('reports health always and readiness from its checks', async () => {
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
    ready = false;
    const res = await fetch(`${server.url}/readyz`);
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ status: 'not ready', checks: { db: 'down' } });
    ready = true;
  });

  it('answers 404 elsewhere', async () => {
    expect((await fetch(`${server.url}/nope`)).status).toBe(404);
  });
});
