import path from 'node:path';
import { JwksKeyResolver, TokenVerifier } from '@sc/auth';
import { ConfigError, createLogger, envWithDefaults, loadEnvOrExit, runUntilSignal } from '@sc/config';
import { startTracingFromEnv } from '@sc/tracing';
import {
  gatewayCookieSessions,
  gatewayCors,
  gatewayEnvSchema,
  readGatewayPages,
  readSupergraph,
  startGateway,
  subgraphUrls,
} from '@sc/gateway';

const env = loadEnvOrExit(gatewayEnvSchema, 'gateway');
const logger = createLogger({ service: 'gateway', level: env.LOG_LEVEL, pretty: env.LOG_PRETTY });
const supergraphSdl = env.SUPERGRAPH_FILE
  ? readSupergraph(env.SUPERGRAPH_FILE)
  : // Beside the bundle in a build, one folder up from src/ in the sources.
    readSupergraph(
      path.join(__dirname, 'supergraph.graphql'),
      path.join(__dirname, '..', 'supergraph.graphql'),
    );
// The public pages it forwards (pages.json, written with the supergraph by npm run supergraph).
const pages = readGatewayPages(path.join(__dirname, 'pages.json'), path.join(__dirname, '..', 'pages.json'));
let urls: Record<string, string>;
try {
  urls = subgraphUrls(supergraphSdl, envWithDefaults({}));
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`gateway: invalid configuration: ${error.message}\n`);
  process.exit(78);
}

const verifier = new TokenVerifier(
  new JwksKeyResolver(env.AUTH_JWKS_URL, { onError: (err) => logger.warn({ err }, 'cannot fetch the JWKS') }),
  { issuer: env.AUTH_ISSUER, audience: env.AUTH_AUDIENCE },
);

const tracing = startTracingFromEnv('gateway', envWithDefaults({}));
runUntilSignal('gateway', logger, async () => {
  const gateway = await startGateway({
    supergraphSdl,
    subgraphUrls: urls,
    verifier,
    logger,
    development: env.NODE_ENV === 'development',
    port: env.GATEWAY_PORT,
    host: env.GATEWAY_HOST,
    trustedProxies: env.GATEWAY_TRUSTED_PROXIES,
    cors: gatewayCors(env),
    cookieSessions: gatewayCookieSessions(env),
    pages,
    deduplicateInflight: env.GATEWAY_DEDUPLICATE_INFLIGHT,
  });
  return {
    close: async () => {
      await gateway.close();
      await tracing.shutdown();
    },
  };
});
