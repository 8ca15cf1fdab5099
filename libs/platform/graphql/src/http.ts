import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HeaderMap, type ApolloServer, type BaseContext } from '@apollo/server';
import { GraphQLError } from 'graphql';
import type { Logger } from '@sc/config';
import { contextFromHeaders, inSpan, SpanKind } from '@sc/tracing';
import { answerPreflight, applyCorsHeaders, type CorsPolicy } from './cors';
import { DEFAULT_LIMITS } from './limits';

export type RouteHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void> | void;

export interface ReadinessCheck {
  name: string;
  /** Resolves when the dependency is usable; rejects (or times out) otherwise. */
  check: () => Promise<void>;
}

export interface GraphQLHttpOptions<TContext extends BaseContext> {
  apollo: ApolloServer<TContext>;
  /** Builds the per-request context (principal, DataLoaders). May throw a typed GraphQL error. */
  context: (req: IncomingMessage) => Promise<TContext>;
  logger: Logger;
  readiness?: ReadinessCheck[];
  /**
   * Extra routes. A key is a path (`/.well-known/jwks.json`: GET only) or a method and a path
   * (`POST /evidence`); a path ending in `/*` matches every path below it (`GET /evidence/*`).
   */
  routes?: Record<string, RouteHandler>;
  maxBodyBytes?: number;
  graphqlPath?: string;
  /** Browser origins allowed to call from elsewhere (CORS); none when absent. */
  cors?: CorsPolicy;
  /** The `sc.service` attribute of the request spans (the embedded app runs every service in one process). */
  serviceName?: string;
}

/**
 * How long the server keeps an idle keep-alive connection (ADR 0029): well above what any client of
 * ours keeps one idle (the gateway's fetch retires sockets a second before the announced timeout;
 * load balancers use 60 s), so the client, not the server, closes idle connections and never sends on
 * a socket the server is closing. Node's default is 5 s.
 */
export const SERVER_KEEP_ALIVE_TIMEOUT_MS = 65_000;

class PayloadTooLarge extends Error {}

/**
 * A request whose token is refused gets the typed error and no data (ADR 0028): HTTP 401 only when
 * the Authorization header cannot be read at all (`reason: MALFORMED`), HTTP 200 for a readable token
 * that is expired or invalid — the same status as UNAUTHENTICATED from a field, so a client handles
 * both in one place. Any other failure to build the context stays a fault (500).
 */
function asHttpError(error: unknown): never {
  if (error instanceof GraphQLError && error.extensions['code'] === 'UNAUTHENTICATED') {
    const reason = error.extensions['reason'];
    throw new GraphQLError(error.message, {
      extensions: {
        code: 'UNAUTHENTICATED',
        ...(reason !== undefined ? { reason } : {}),
        http: { status: reason === 'MALFORMED' ? 401 : 200 },
      },
    });
  }
  throw error;
}

/** A request's body as text; rejects with a PayloadTooLarge past `limit` bytes (the server answers 413). */
export function readBody(req: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        // Stop reading; the 413 goes out with `connection: close` and the socket is dropped after.
        req.off('data', onData);
        req.pause();
        reject(new PayloadTooLarge());
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

async function runReadiness(
  checks: ReadinessCheck[],
): Promise<{ ok: boolean; checks: Record<string, string> }> {
  const results = await Promise.all(
    checks.map(async ({ name, check }) => {
      try {
        await Promise.race([
          check(),
          new Promise((_, reject) => setTimeout(() => reject(new Error('timed out')), 3_000).unref()),
        ]);
        return [name, 'ok'] as const;
      } catch (error) {
        return [name, error instanceof Error ? error.message : 'failed'] as const;
      }
    }),
  );
  return { ok: results.every(([, r]) => r === 'ok'), checks: Object.fromEntries(results) };
}

/** The route for a request: `<METHOD> <path>`, then the bare path (GET), then `/*` prefixes. */
export function findRoute(
  routes: Record<string, RouteHandler> | undefined,
  method: string,
  pathname: string,
): RouteHandler | undefined {
  if (!routes) return undefined;
  const exact = routes[`${method} ${pathname}`] ?? (method === 'GET' ? routes[pathname] : undefined);
  if (exact) return exact;
  for (const [key, handler] of Object.entries(routes)) {
    const [m, p] = key.includes(' ') ? (key.split(' ', 2) as [string, string]) : ['GET', key];
    if (
      m === method &&
      p.endsWith('/*') &&
      pathname.startsWith(p.slice(0, -1)) &&
      pathname.length > p.length - 1
    ) {
      return handler;
    }
  }
  return undefined;
}

/**
 * One small HTTP layer for subgraphs and the gateway: `/graphql` through Apollo Server's
 * framework-neutral API, `/healthz` (the process is up), `/readyz` (its dependencies answer), and
 * any extra GET routes. No web framework: there is nothing else to serve.
 */
export function createGraphQLHttpServer<TContext extends BaseContext>(
  options: GraphQLHttpOptions<TContext>,
): http.Server {
  const graphqlPath = options.graphqlPath ?? '/graphql';
  const maxBody = options.maxBodyBytes ?? DEFAULT_LIMITS.maxBodyBytes;
  const log = options.logger.child({ component: 'http' });

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (answerPreflight(req, res, options.cors)) return;
    applyCorsHeaders(req, res, options.cors);
    if (url.pathname === '/healthz') return sendJson(res, 200, { status: 'ok' });
    if (url.pathname === '/readyz') {
      const result = await runReadiness(options.readiness ?? []);
      return sendJson(res, result.ok ? 200 : 503, {
        status: result.ok ? 'ready' : 'not ready',
        checks: result.checks,
      });
    }
    const route = findRoute(options.routes, req.method ?? 'GET', url.pathname);
    if (route) return route(req, res);
    if (url.pathname !== graphqlPath) return sendJson(res, 404, { error: 'not found' });

    const headers = new HeaderMap();
    for (const [key, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
    }
    let body: unknown = undefined;
    if (req.method === 'POST') {
      const raw = await readBody(req, maxBody);
      if (raw.length > 0) {
        try {
          body = JSON.parse(raw);
        } catch {
          return sendJson(res, 400, {
            errors: [{ message: 'Request body is not valid JSON', extensions: { code: 'BAD_REQUEST' } }],
          });
        }
      }
    }
    // One server span per request, continuing the caller's trace (`traceparent`); the tracing plugin
    // names it after the operation once it is known.
    const response = await inSpan(
      'graphql',
      {
        kind: SpanKind.SERVER,
        parent: contextFromHeaders(req.headers),
        attributes: { 'sc.service': options.serviceName ?? 'unknown' },
      },
      () =>
        options.apollo.executeHTTPGraphQLRequest({
          httpGraphQLRequest: { method: req.method ?? 'GET', headers, search: url.search, body },
          context: () => options.context(req).catch(asHttpError),
        }),
    );
    for (const [key, value] of response.headers) {
      // Apollo's `Vary: accept` joins the CORS layer's `Vary: Origin` rather than replacing it.
      const vary = key === 'vary' ? res.getHeader('vary') : undefined;
      res.setHeader(key, vary ? `${String(vary)}, ${value}` : value);
    }
    res.statusCode = response.status ?? 200;
    if (response.body.kind === 'complete') {
      res.end(response.body.string);
      return;
    }
    for await (const chunk of response.body.asyncIterator) res.write(chunk);
    res.end();
  };

  const server = http.createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (error instanceof PayloadTooLarge) {
        if (!res.headersSent)
          sendJson(res, 413, {
            errors: [{ message: 'Request body too large', extensions: { code: 'BAD_REQUEST' } }],
          });
        return;
      }
      log.error({ err: error, path: req.url }, 'request failed');
      if (!res.headersSent)
        sendJson(res, 500, {
          errors: [{ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } }],
        });
      else res.end();
    });
  });
  server.keepAliveTimeout = SERVER_KEEP_ALIVE_TIMEOUT_MS;
  // Must exceed the keep-alive timeout, or a request arriving late on an idle connection is cut off.
  server.headersTimeout = SERVER_KEEP_ALIVE_TIMEOUT_MS + 1_000;
  return server;
}

export interface Listening {
  url: string;
  port: number;
  close: () => Promise<void>;
}

/** Listens (port 0 picks a free one) and returns the base URL and a close function. */
export function listen(server: http.Server, port: number, host = '0.0.0.0'): Promise<Listening> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const actual = (server.address() as AddressInfo).port;
      const shownHost = host === '0.0.0.0' || host === '::' ? 'localhost' : host;
      resolve({
        url: `http://${shownHost}:${actual}`,
        port: actual,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}
