import type { IncomingMessage } from 'node:http';
import { ApolloServer, type ApolloServerPlugin, type BaseContext } from '@apollo/server';
import {
  ApolloServerPluginInlineTraceDisabled,
  ApolloServerPluginLandingPageDisabled,
} from '@apollo/server/plugin/disabled';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { DocumentNode } from 'graphql';
import type { Logger } from '@sc/config';
import type { Metrics } from '@sc/metrics';
import { createErrorFormatter } from './format-error';
import {
  createGraphQLHttpServer,
  listen,
  type Listening,
  type ReadinessCheck,
  type RouteHandler,
} from './http';
import { DEFAULT_LIMITS, depthLimitRule, type QueryLimits } from './limits';
import { metricsPlugin } from './metrics-plugin';
import { tracingPlugin } from './tracing-plugin';
import { operationGuardsPlugin } from './operation-guards';

/** One module of `buildSubgraphSchema([{ typeDefs, resolvers }])`, from its public signature. */
type SubgraphModule = Exclude<
  Extract<Parameters<typeof buildSubgraphSchema>[0], readonly unknown[]>[number],
  DocumentNode
>;

/**
 * A resolver map as `buildSubgraphSchema` takes it. @apollo/subgraph exports its type only from an
 * internal path (`dist/schema-helper`), so it is derived from the public function instead. The
 * generated `Resolvers` of a subgraph (npm run codegen) is assignable to it as it is, with the
 * context type codegen bound it to.
 */
export type SubgraphResolvers = NonNullable<SubgraphModule['resolvers']>;

export interface SubgraphOptions<TContext extends BaseContext> {
  name: string;
  typeDefs: DocumentNode;
  resolvers: SubgraphResolvers;
  context: (req: IncomingMessage) => Promise<TContext>;
  logger: Logger;
  /** Development shows fault messages (never stack traces: those stay in the log); never set it in production. */
  development: boolean;
  readiness?: ReadinessCheck[];
  routes?: Record<string, RouteHandler>;
  limits?: Partial<QueryLimits>;
  /** Operation metrics, and `GET /metrics` serving them with the service's other figures. */
  metrics?: Metrics;
  /** More Apollo plugins of the service (e.g. `publicReadCachePlugin`), after the platform's. */
  plugins?: ApolloServerPlugin<TContext>[];
}

/** Logs one line per operation: name, duration and error codes. No variables (they may hold personal data). */
export function requestLogPlugin(logger: Logger): ApolloServerPlugin<BaseContext> {
  return {
    async requestDidStart() {
      const started = performance.now();
      return {
        async willSendResponse({ operationName, operation, errors }) {
          const codes = errors?.map((e) => String(e.extensions?.['code'] ?? 'INTERNAL_SERVER_ERROR'));
          const fields = {
            operation: operationName ?? undefined,
            kind: operation?.operation,
            ms: Math.round(performance.now() - started),
            ...(codes?.length ? { errors: codes } : {}),
          };
          if (codes?.length) logger.info(fields, 'graphql request failed');
          else logger.debug(fields, 'graphql request');
        },
      };
    },
  };
}

export function createSubgraphApollo<TContext extends BaseContext>(
  options: SubgraphOptions<TContext>,
): ApolloServer<TContext> {
  const limits = { ...DEFAULT_LIMITS, ...options.limits };
  const log = options.logger.child({ component: 'graphql' });
  return new ApolloServer<TContext>({
    schema: buildSubgraphSchema([{ typeDefs: options.typeDefs, resolvers: options.resolvers }]),
    formatError: createErrorFormatter(log, options.development),
    includeStacktraceInErrorResponses: false,
    validationRules: [depthLimitRule(limits.maxDepth)],
    parseOptions: { maxTokens: limits.maxTokens },
    // No Apollo Studio: inline traces would only cost time.
    plugins: [
      ApolloServerPluginLandingPageDisabled(),
      ApolloServerPluginInlineTraceDisabled(),
      operationGuardsPlugin({ maxCost: limits.maxCost }),
      requestLogPlugin(log),
      ...(options.metrics ? [metricsPlugin(options.metrics)] : []),
      tracingPlugin(),
      ...(options.plugins ?? []),
    ],
    logger: log,
    // The app's main owns SIGTERM/SIGINT and closes everything in order. Apollo's own handler would
    // stop this server and then re-raise the signal, killing the process before the databases close.
    stopOnTerminationSignals: false,
  });
}

/** Starts a subgraph: Apollo Server + `/graphql`, `/healthz`, `/readyz` and extra routes. */
export async function startSubgraph<TContext extends BaseContext>(
  options: SubgraphOptions<TContext> & { port: number; host?: string },
): Promise<Listening> {
  const apollo = createSubgraphApollo(options);
  await apollo.start();
  const server = createGraphQLHttpServer({
    apollo,
    context: options.context,
    logger: options.logger,
    readiness: options.readiness,
    serviceName: options.name,
    routes: options.metrics ? { '/metrics': options.metrics.route(), ...options.routes } : options.routes,
    maxBodyBytes: options.limits?.maxBodyBytes,
  });
  const listening = await listen(server, options.port, options.host);
  return {
    ...listening,
    close: async () => {
      await listening.close();
      await apollo.stop();
    },
  };
}
