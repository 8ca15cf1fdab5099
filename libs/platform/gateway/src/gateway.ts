import {
  ApolloGateway,
  RemoteGraphQLDataSource,
  type GraphQLDataSourceProcessOptions,
} from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import { authenticate, type Principal, type TokenVerifier } from '@sc/auth';
import type { Logger } from '@sc/config';
import {
  createErrorFormatter,
  createGraphQLHttpServer,
  DEFAULT_LIMITS,
  depthLimitRule,
  listen,
  requestLogPlugin,
  type Listening,
  type QueryLimits,
} from '@sc/graphql';

export interface GatewayContext {
  /** The caller's Authorization header, forwarded to every subgraph as is. */
  authorization?: string;
  principal: Principal | null;
}

/**
 * Forwards the caller's token to the subgraphs, which verify it themselves (they never trust a
 * bare header); the gateway's own check only refuses a bad token early.
 */
class AuthForwardingDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  override willSendRequest({ request, context }: GraphQLDataSourceProcessOptions<GatewayContext>): void {
    const authorization = 'authorization' in context ? context.authorization : undefined;
    if (authorization) request.http?.headers.set('authorization', authorization);
  }
}

export interface GatewayOptions {
  /** The composed supergraph SDL (static composition, see tools/supergraph). */
  supergraphSdl: string;
  /** Subgraph URLs by subgraph name, overriding the URLs written in the supergraph. */
  subgraphUrls: Record<string, string | undefined>;
  verifier: TokenVerifier;
  logger: Logger;
  /** Development: Apollo Sandbox on the landing page, introspection and stack traces. */
  development: boolean;
  port: number;
  host?: string;
  limits?: Partial<QueryLimits>;
}

/** Starts the gateway: one graph composed from the subgraphs, with health endpoints. */
export async function startGateway(options: GatewayOptions): Promise<Listening> {
  const limits = { ...DEFAULT_LIMITS, ...options.limits };
  const log = options.logger.child({ component: 'gateway' });
  const urls: Record<string, string> = {};
  const gateway = new ApolloGateway({
    supergraphSdl: options.supergraphSdl,
    logger: log,
    buildService: ({ name, url }) => {
      const resolved = options.subgraphUrls[name] ?? url;
      if (!resolved) throw new Error(`no URL for subgraph ${name}`);
      urls[name] = resolved;
      return new AuthForwardingDataSource({ url: resolved });
    },
  });
  const apollo = new ApolloServer<GatewayContext>({
    gateway,
    formatError: createErrorFormatter(log, options.development),
    includeStacktraceInErrorResponses: options.development,
    validationRules: [depthLimitRule(limits.maxDepth)],
    parseOptions: { maxTokens: limits.maxTokens },
    introspection: options.development,
    logger: log,
    // The app's main owns SIGTERM/SIGINT and closes everything in order. Apollo's own handler would
    // stop this server and then re-raise the signal, killing the process before the databases close.
    stopOnTerminationSignals: false,
    plugins: [
      options.development
        ? ApolloServerPluginLandingPageLocalDefault({ embed: true })
        : ApolloServerPluginLandingPageDisabled(),
      requestLogPlugin(log),
    ],
  });
  await apollo.start();
  const server = createGraphQLHttpServer<GatewayContext>({
    apollo,
    logger: log,
    maxBodyBytes: limits.maxBodyBytes,
    context: async (req) => {
      const authorization = req.headers.authorization;
      return { authorization, principal: await authenticate(authorization, options.verifier) };
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
