import { composeServices } from '@apollo/composition';
import { parse } from 'graphql';
import http from 'node:http';
import { generateKeyPairSync } from 'node:crypto';
import { StaticKeyResolver, TokenVerifier, signingKeyFromPem } from '@sc/auth';
import { createLogger } from '@sc/config';
import { startSubgraph, type Listening } from '@sc/graphql';
import { gatewayCors, gatewayEnvSchema } from './config';
import { startGateway } from './gateway';

const logger = createLogger({ service: 'test', level: 'silent' });
const key = signingKeyFromPem(
  generateKeyPairSync('rsa', { modulusLength: 2048 })
    .privateKey.export({ format: 'pem', type: 'pkcs8' })
    .toString(),
);
const sdl = 'type Query { hello: String }';

interface Raw {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A request as a browser sends it: node:http, so that `Origin` and the preflight headers go out as set. */
function send(url: string, method: string, headers: Record<string, string>, body?: string): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const APP = 'http://localhost:5173';
const EVIL = 'https://evil.example';

describe('gateway CORS [starts: a probe subgraph and the gateway with an origin allowlist]', () => {
  let subgraph: Listening;
  let gateway: Listening;
  let url: string;

  beforeAll(async () => {
    subgraph = await startSubgraph({
      name: 'probe',
      typeDefs: parse(sdl),
      resolvers: { Query: { hello: () => 'world' } },
      context: async () => ({}),
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
      cors: gatewayCors(gatewayEnvSchema.parse({ NODE_ENV: 'production', GATEWAY_CORS_ORIGINS: APP })),
    });
    url = `${gateway.url}/graphql`;
  });
  afterAll(async () => {
    await gateway?.close();
    await subgraph?.close();
  });

  const preflight = (origin: string, headers = 'content-type, authorization') =>
    send(url, 'OPTIONS', {
      origin,
      'access-control-request-method': 'POST',
      'access-control-request-headers': headers,
    });

  it('answers the preflight of an allowed origin with the methods, headers and credentials', async () => {
    const res = await preflight(APP);
    expect(res.status).toBe(204);
    expect(res.headers['access-control-allow-origin']).toBe(APP);
    expect(res.headers['access-control-allow-credentials']).toBe('true');
    expect(res.headers['access-control-allow-methods']).toBe('GET, POST, OPTIONS');
    expect(res.headers['access-control-allow-headers']).toMatch(/(^|, )authorization(,|$)/);
    expect(res.headers['access-control-allow-headers']).toMatch(/(^|, )content-type(,|$)/);
    expect(res.headers['vary']).toMatch(/Origin/);
  });

  it('then answers the POST itself with the origin allowed and Vary: Origin', async () => {
    const res = await send(
      url,
      'POST',
      { origin: APP, 'content-type': 'application/json' },
      JSON.stringify({ query: '{ hello }' }),
    );
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ data: { hello: 'world' } });
    expect(res.headers['access-control-allow-origin']).toBe(APP);
    expect(res.headers['access-control-allow-credentials']).toBe('true');
    expect(res.headers['vary']).toMatch(/Origin/);
  });

  it('refuses the preflight of any other origin without a CORS header, and gives its POST none', async () => {
    const res = await preflight(EVIL);
    expect(res.status).toBe(403);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    expect(res.headers['access-control-allow-credentials']).toBeUndefined();
    const post = await send(
      url,
      'POST',
      { origin: EVIL, 'content-type': 'application/json' },
      JSON.stringify({ query: '{ hello }' }),
    );
    expect(post.headers['access-control-allow-origin']).toBeUndefined();
    expect(post.headers['access-control-allow-credentials']).toBeUndefined();
  });

  it('refuses a preflight asking for a header it does not allow', async () => {
    const res = await preflight(APP, 'content-type, x-something-else');
    expect(res.status).toBe(403);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    expect(JSON.parse(res.body).errors[0].message).toMatch(/x-something-else/);
  });

  it('keeps the CSRF protection: a simple (non-preflighted) GET is still refused', async () => {
    const res = await send(`${url}?query=${encodeURIComponent('{ hello }')}`, 'GET', { origin: EVIL });
    expect(res.status).toBe(400);
    expect(res.body).toMatch(/CSRF/);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('GATEWAY_CORS_ORIGINS', () => {
  const cors = (env: Record<string, string>) => gatewayCors(gatewayEnvSchema.parse(env)).origins;

  it('defaults to the localhost dev-server origins in development only', () => {
    expect(cors({ NODE_ENV: 'development' })).toContain('http://localhost:5173');
    expect(cors({ NODE_ENV: 'production' })).toEqual([]);
    expect(cors({ NODE_ENV: 'test' })).toEqual([]);
  });

  it('takes exact origins, normalised; set but empty is none, also in development', () => {
    expect(
      cors({ NODE_ENV: 'production', GATEWAY_CORS_ORIGINS: 'https://a.org/, http://b.org:8080' }),
    ).toEqual(['https://a.org', 'http://b.org:8080']);
    expect(cors({ NODE_ENV: 'development', GATEWAY_CORS_ORIGINS: '' })).toEqual([]);
  });

  it.each(['*', 'https://*.example.org', 'https://a.org/app', 'ftp://a.org', 'a.org'])(
    'refuses %s (not a bare http(s) origin)',
    (value) => {
      expect(() => gatewayEnvSchema.parse({ GATEWAY_CORS_ORIGINS: value })).toThrow();
    },
  );
});
