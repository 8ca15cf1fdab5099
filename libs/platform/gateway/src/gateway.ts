import {
  ApolloGateway,
  RemoteGraphQLDataSource,
  type GraphQLDataSourceProcessOptions,
} from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import { BoundedQueryStore } from './persisted-queries';
import { forwardPage, type GatewayPages } from './pages';
import { mergingFetcher, subgraphFetcher } from './subgraph-fetch';
import {
  accessCookie,
  checkCsrf,
  cookieNames,
  type CookieSessionOptions,
  type RunOperation,
  sessionRoutes,
} from './sessions';
import { authenticate, type Principal, type TokenVerifier } from '@sc/auth';
import type { Logger } from '@sc/config';
import { type Counter, type Histogram, Metrics } from '@sc/metrics';
import { inSpan, SpanKind, traceHeaders } from '@sc/tracing';
import {
  clientAddress,
  createErrorFormatter,
  createGraphQLHttpServer,
  DEFAULT_LIMITS,
  depthLimitRule,
  listen,
  metricsPlugin,
  operationGuardsPlugin,
  requestLogPlugin,
  sendJson,
  tracingPlugin,
  TrustedProxies,
  type RouteHandler,
  type CorsPolicy,
  type Listening,
  type QueryLimits,
} from '@sc/graphql';

export interface GatewayContext {
  /** The caller's Authorization header, forwarded to every subgraph as is. */
  authorization?: string;
  principal: Principal | null;
  /** The caller's address (see clientAddress), sent to the subgraphs as `X-Forwarded-For`. */
  clientAddress: string;
}

type FetcherResponse = Parameters<RemoteGraphQLDataSource['errorFromResponse']>[0];
type SubgraphResponse = Awaited<ReturnType<RemoteGraphQLDataSource['process']>>;

/** A subgraph's non-2xx answer, kept whole so that its GraphQL errors can be passed on. */
class SubgraphHttpError extends GraphQLError {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {
    super(`subgraph answered HTTP ${status}`);
    this.name = 'SubgraphHttpError';
  }
}

/** The `errors` of a GraphQL response body, when the body is one. */
function graphqlErrorsOf(body: unknown): GraphQLFormattedError[] | undefined {
  if (typeof body !== 'object' || body === null || !('errors' in body)) return undefined;
  const { errors } = body;
  if (!Array.isArray(errors) || errors.length === 0) return undefined;
  const valid = errors.every(
    (e: unknown) =>
      typeof e === 'object' && e !== null && typeof (e as { message?: unknown }).message === 'string',
  );
  return valid ? (errors as GraphQLFormattedError[]) : undefined;
}

/**
 * Forwards the caller's token to the subgraphs, which verify it themselves (they never trust a
 * bare header); the gateway's own check only refuses a bad token early.
 *
 * A subgraph answers a request it refuses before execution — a variable that does not fit its
 * scalar, a failed validation, a refused token — with a 4xx status and a GraphQL body, as GraphQL
 * over HTTP asks. `RemoteGraphQLDataSource` turns any non-2xx into one opaque "400: Bad Request"
 * fault; here the subgraph's own errors are passed on as its answer instead, so the gateway keeps
 * their code, message and `field` and adds `serviceName`, as it does for errors of a 200 answer.
 * A non-2xx without a GraphQL body stays a fault (logged, masked).
 */
class SubgraphDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  override willSendRequest({ request, context }: GraphQLDataSourceProcessOptions<GatewayContext>): void {
    // Apollo types the context loosely (health checks run without one): read it as unknown.
    const ctx = context as Partial<GatewayContext> | undefined;
    const authorization: unknown = ctx?.authorization;
    if (typeof authorization === 'string') request.http?.headers.set('authorization', authorization);
    // Only the address the gateway worked out itself: whatever forwarded-for header the client sent
    // stays here. A subgraph believes it only if it trusts the gateway as a proxy (ADR 0014).
    const address: unknown = ctx?.clientAddress;
    if (typeof address === 'string') request.http?.headers.set('x-forwarded-for', address);
    // The subgraph continues this trace (the client span `process` opened around this call).
    for (const [key, value] of Object.entries(traceHeaders()))
      if (value) request.http?.headers.set(key, value);
  }

  override async errorFromResponse(response: FetcherResponse): Promise<GraphQLError> {
    let body: unknown;
    try {
      body = await this.parseBody(response);
    } catch {
      body = undefined;
    }
    return new SubgraphHttpError(response.status, body);
  }

  override async process(
    options: GraphQLDataSourceProcessOptions<GatewayContext>,
  ): Promise<SubgraphResponse> {
    const started = performance.now();
    let outcome = 'fault';
    try {
      const response = await inSpan(
        `subgraph ${this.serviceName}`,
        { kind: SpanKind.CLIENT, attributes: { 'sc.subgraph': this.serviceName } },
        () => this.processAnswer(options),
      );
      outcome = response.errors?.length ? 'errors' : 'ok';
      return response;
    } finally {
      const labels = { subgraph: this.serviceName, outcome };
      this.fetchMetrics?.requests.inc(labels);
      this.fetchMetrics?.duration.observe(labels, (performance.now() - started) / 1000);
    }
  }

  private async processAnswer(
    options: GraphQLDataSourceProcessOptions<GatewayContext>,
  ): Promise<SubgraphResponse> {
    try {
      return await super.process(options);
    } catch (error) {
      if (!(error instanceof SubgraphHttpError)) throw error;
      const errors = graphqlErrorsOf(error.body);
      if (errors) return { errors };
      // Not a GraphQL answer (a proxy's error page, say): a fault, without the body or the URL.
      throw new GraphQLError(
        `subgraph ${this.serviceName} answered HTTP ${error.status} without a GraphQL body`,
      );
    }
  }

  constructor(
    private readonly serviceName: string,
    url: string,
    fetcher: RemoteGraphQLDataSource['fetcher'],
    private readonly fetchMetrics?: SubgraphFetchMetrics,
  ) {
    super({ url, fetcher });
  }
}

/** Per subgraph fetch: outcome ok (data), errors (GraphQL errors in the answer) or fault (no answer). */
interface SubgraphFetchMetrics {
  requests: Counter<'subgraph' | 'outcome'>;
  duration: Histogram<'subgraph' | 'outcome'>;
}

function subgraphFetchMetrics(metrics: Metrics): SubgraphFetchMetrics {
  return {
    requests: metrics.counter(
      'sc_gateway_subgraph_requests_total',
      'Requests the gateway sent to a subgraph, by subgraph and outcome (ok, errors, fault).',
      ['subgraph', 'outcome'],
    ),
    duration: metrics.histogram(
      'sc_gateway_subgraph_request_duration_seconds',
      'Time a subgraph took to answer the gateway, by subgraph and outcome.',
      ['subgraph', 'outcome'],
    ),
  };
}

export interface GatewayOptions {
  /** The composed supergraph SDL (static composition, see tools/supergraph). */
  supergraphSdl: string;
  /** Subgraph URLs by subgraph name, overriding the URLs written in the supergraph. */
  subgraphUrls: Record<string, string | undefined>;
  verifier: TokenVerifier;
  logger: Logger;
  /** Development: Apollo Sandbox on the landing page, introspection and fault messages (stack traces only in the log). */
  development: boolean;
  port: number;
  host?: string;
  limits?: Partial<QueryLimits>;
  /** Proxies in front of the gateway whose `X-Forwarded-For` it believes; none by default. */
  trustedProxies?: TrustedProxies;
  /** Browser origins allowed to call from elsewhere (see gatewayCors); none by default. */
  cors?: CorsPolicy;
  /**
   * Merge identical in-flight subgraph queries of the same caller (same token; ADR 0035). On by
   * default; off only to measure what it saves.
   */
  deduplicateInflight?: boolean;
  /** Where the gateway's metrics go (served on `/metrics`); a registry of its own by default. */
  metrics?: Metrics;
  /**
   * The cookie session for same-site browser apps (`/session` endpoints, access token in an
   * HttpOnly cookie, CSRF double submit; ADR 0044). Off when absent.
   */
  cookieSessions?: CookieSessionOptions;
  /**
   * Public pages the gateway forwards to the subgraph serving them, by GET route pattern
   * (`{ '/signboards/*': 'roster' }`: `gatewayPages()` of the registry, pages.json; ADR 0046).
   */
  pages?: GatewayPages;
  /**
   * Automatic persisted queries (ADR 0050): the store of query texts by their SHA-256, a bounded LRU
   * in the gateway's memory (each copy its own; a copy that does not know a hash answers
   * PERSISTED_QUERY_NOT_FOUND and the client sends the text again). `maxBytes` default 4 MiB of
   * query text; `false` switches APQ off (PERSISTED_QUERY_NOT_SUPPORTED).
   */
  persistedQueries?: { maxBytes?: number } | false;
}

/** Default size of the APQ store: about 2,000 queries of 2 kB. */
export const APQ_DEFAULT_MAX_BYTES = 4 * 1024 * 1024;

const PRIVATE_NETWORKS = new TrustedProxies(['private']);

/**
 * The gateway is the public entry point, and its figures are for the operator: `/metrics` answers
 * callers on loopback and private networks (Prometheus on the compose or cluster network) and is a
 * 404 for everyone else, judged by the same client address as everything else (behind a TLS proxy,
 * GATEWAY_TRUSTED_PROXIES must name it, or every caller looks like the proxy).
 */
function privateOnly(route: RouteHandler, trusted: TrustedProxies): RouteHandler {
  return (req, res) => {
    if (!PRIVATE_NETWORKS.has(clientAddress(req, trusted))) return sendJson(res, 404, { error: 'not found' });
    return route(req, res);
  };
}

/** Starts the gateway: one graph composed from the subgraphs, with health endpoints. */
export async function startGateway(options: GatewayOptions): Promise<Listening> {
  const limits = { ...DEFAULT_LIMITS, ...options.limits };
  const trustedProxies = options.trustedProxies ?? new TrustedProxies([]);
  const log = options.logger.child({ component: 'gateway' });
  const urls: Record<string, string> = {};
  const metrics = options.metrics ?? new Metrics({ service: 'gateway' });
  const fetchMetrics = subgraphFetchMetrics(metrics);
  const gateway = new ApolloGateway({
    supergraphSdl: options.supergraphSdl,
    logger: log,
    buildService: ({ name, url }) => {
      const resolved = options.subgraphUrls[name] ?? url;
      if (!resolved) throw new Error(`no URL for subgraph ${name}`);
      urls[name] = resolved;
      const fetcher = subgraphFetcher((code) =>
        log.warn({ subgraph: name, code }, 'subgraph connection reset; query sent again'),
      );
      return new SubgraphDataSource(
        name,
        resolved,
        options.deduplicateInflight === false
          ? fetcher
          : mergingFetcher(fetcher, () =>
              log.debug({ subgraph: name }, 'subgraph query merged with an identical one in flight'),
            ),
        fetchMetrics,
      );
    },
  });
  const apollo = new ApolloServer<GatewayContext>({
    gateway,
    formatError: createErrorFormatter(log, options.development, 'gateway'),
    includeStacktraceInErrorResponses: false,
    validationRules: [depthLimitRule(limits.maxDepth)],
    parseOptions: { maxTokens: limits.maxTokens },
    introspection: options.development,
    logger: log,
    // The app's main owns SIGTERM/SIGINT and closes everything in order. Apollo's own handler would
    // stop this server and then re-raise the signal, killing the process before the databases close.
    stopOnTerminationSignals: false,
    // Apollo's default would be one unbounded-by-us 30 MiB LRU shared by APQ and every other cache:
    // APQ gets a store of its own, sized here, and nothing else uses the server cache.
    persistedQueries:
      options.persistedQueries === false
        ? false
        : {
            cache: new BoundedQueryStore(options.persistedQueries?.maxBytes ?? APQ_DEFAULT_MAX_BYTES),
          },
    plugins: [
      options.development
        ? ApolloServerPluginLandingPageLocalDefault({ embed: true })
        : ApolloServerPluginLandingPageDisabled(),
      operationGuardsPlugin({ maxCost: limits.maxCost }),
      requestLogPlugin(log),
      metricsPlugin(metrics),
      tracingPlugin(),
    ],
  });
  await apollo.start();
  const sessions = options.cookieSessions;
  const names = sessions ? cookieNames(sessions.secure) : undefined;
  // A session endpoint's operation runs through this gateway like a client's (plan, subgraph calls,
  // logs, metrics), as the caller at its address.
  const run: RunOperation = async (req, query, variables, authorization) => {
    let principal: Principal | null;
    try {
      principal = await authenticate(authorization, options.verifier);
    } catch (error) {
      if (!(error instanceof GraphQLError)) throw error;
      return {
        errors: [{ message: error.message, extensions: { ...error.extensions, serviceName: 'gateway' } }],
      };
    }
    const response = await apollo.executeOperation(
      { query, variables },
      { contextValue: { authorization, principal, clientAddress: clientAddress(req, trustedProxies) } },
    );
    if (response.body.kind !== 'single') throw new Error('session operation answered incrementally');
    const { data, errors } = response.body.singleResult;
    return { data, errors };
  };
  const server = createGraphQLHttpServer<GatewayContext>({
    apollo,
    logger: log,
    maxBodyBytes: limits.maxBodyBytes,
    cors: options.cors,
    routes: {
      '/metrics': privateOnly(metrics.route(), trustedProxies),
      ...(sessions
        ? sessionRoutes({
            ...sessions,
            run,
            sessionOf: async (token) => {
              const { sessionId } = await options.verifier.verify(token);
              if (sessionId === undefined) throw new Error('the issued token carries no session id');
              return sessionId;
            },
            maxBodyBytes: limits.maxBodyBytes,
          })
        : {}),
      ...Object.fromEntries(
        Object.entries(options.pages ?? {}).map(([pattern, subgraph]) => {
          if (!(subgraph in urls))
            throw new Error(`page ${pattern}: no subgraph ${subgraph} in the supergraph`);
          // The subgraph's server root: its pages sit beside its /graphql.
          const base = () => (urls[subgraph] ? new URL('/', urls[subgraph]).toString() : undefined);
          return [`GET ${pattern}`, forwardPage(subgraph, base, trustedProxies, log)];
        }),
      ),
    },
    serviceName: 'gateway',
    context: async (req) => {
      const address = clientAddress(req, trustedProxies);
      const header = req.headers.authorization;
      // The Authorization header, when sent, is the credential (cookies are not looked at): a
      // browser never attaches it by itself, so it needs no CSRF token.
      const cookie = header === undefined && names ? accessCookie(req, names) : undefined;
      if (cookie === undefined || !names) {
        return {
          authorization: header,
          principal: await authenticate(header, options.verifier),
          clientAddress: address,
        };
      }
      // Cookie session: the token is refused like a header's (EXPIRED: refresh), then the request
      // must prove it comes from the app (CSRF double submit) before anything runs.
      const authorization = `Bearer ${cookie}`;
      const principal = await authenticate(authorization, options.verifier);
      if (principal) checkCsrf(req, names, principal);
      return { authorization, principal, clientAddress: address };
    },
    readiness: [
      {
        name: 'subgraphs',
        check: async () => {
          for (const [name, url] of Object.entries(urls)) {
            const res = await fetch(new URL('/readyz', url), { signal: AbortSignal.timeout(2_000) });
            if (!res.ok) throw new Error(`${name} not ready (${res.status})`);
          }
        },
      },
    ],
  });
  const listening = await listen(server, options.port, options.host);
  log.info({ url: `${listening.url}/graphql`, subgraphs: urls }, 'gateway listening');
  return {
    ...listening,
    close: async () => {
      await listening.close();
      await apollo.stop();
    },
  };
}
