import { composeServices } from '@apollo/composition';
import { parse } from 'graphql';
import { generateKeyPairSync } from 'node:crypto';
import { StaticKeyResolver, TokenIssuer, TokenVerifier, signingKeyFromPem } from '@sc/auth';
import { createLogger } from '@sc/config';
import { startSubgraph, type Listening } from '@sc/graphql';
import { startGateway } from './gateway';

type Body = {
  data?: Record<string, unknown>;
  errors: { message: string; extensions: Record<string, unknown> }[];
};
const json = async (res: Response) => (await res.json()) as Body;

const pem = generateKeyPairSync('rsa', { modulusLength: 2048 })
  .privateKey.export({ format: 'pem', type: 'pkcs8' })
  .toString();
const key = signingKeyFromPem(pem);
const issuer = new TokenIssuer(key, { issuer: 'iss', audience: 'aud', ttlSeconds: 60 });
const sdl = `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])
  type Query { whoSentWhat: String, calls: Int }
`;

describe('gateway [starts: a probe subgraph and the gateway on ephemeral ports]', () => {
  let subgraph: Listening;
  let gateway: Listening;
  let calls = 0;
  let lastAuthorization: string | undefined;

  beforeAll(async () => {
    const logger = createLogger({ service: 'test', level: 'silent' });
    subgraph = await startSubgraph<{ authorization?: string }>({
      name: 'probe',
      typeDefs: parse(sdl),
      resolvers: {
        Query: {
          whoSentWhat: (_: unknown, __: unknown, ctx: { authorization?: string }) =>
            ctx.authorization ?? 'nothing',
          calls: () => calls,
        },
      },
      context: async (req) => {
        calls++;
        lastAuthorization = req.headers.authorization;
        return { authorization: req.headers.authorization };
      },
      logger,
      development: false,
      port: 0,
      host: '127.0.0.1',
    });
    const composed = composeServices([
      { name: 'probe', url: `${subgraph.url}/graphql`, typeDefs: parse(sdl) },
    ]);
    if (composed.errors) throw composed.errors[0];
    gateway = await startGateway({
      supergraphSdl: composed.supergraphSdl,
      subgraphUrls: {},
      verifier: new TokenVerifier(new StaticKeyResolver([key]), { issuer: 'iss', audience: 'aud' }),
      logger,
      development: false,
      port: 0,
      host: '127.0.0.1',
    });
  });
  afterAll(async () => {
    await gateway?.close();
    await subgraph?.close();
  });

  const query = (q: string, authorization?: string) =>
    fetch(`${gateway.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
      body: JSON.stringify({ query: q }),
    });

  it('forwards the caller’s Authorization header to the subgraph unchanged', async () => {
    const token = issuer.issue({ subject: 's', roles: ['ADMIN'] }).token;
    const body = await json(await query('{ whoSentWhat }', `Bearer ${token}`));
    expect(body.data!.whoSentWhat).toBe(`Bearer ${token}`);
  });

  it('sends no Authorization header for an anonymous caller', async () => {
    const body = await json(await query('{ whoSentWhat }'));
    expect(body.data!.whoSentWhat).toBe('nothing');
    expect(lastAuthorization).toBeUndefined();
  });

  it('refuses a bad token itself, without calling the subgraph', async () => {
    const before = calls;
    const res = await query('{ whoSentWhat }', 'Bearer a.b.c');
    expect(res.status).toBe(401);
    expect((await json(res)).errors[0]!.extensions.code).toBe('UNAUTHENTICATED');
    expect(calls).toBe(before);
  });

  it('is ready when its subgraphs are', async () => {
    expect((await fetch(`${gateway.url}/readyz`)).status).toBe(200);
    expect((await fetch(`${gateway.url}/healthz`)).status).toBe(200);
  });

  it('has no landing page or introspection outside development', async () => {
    const body = await json(await query('{ __schema { queryType { name } } }'));
    expect(body.errors[0]!.extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });
});
