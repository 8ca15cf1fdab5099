import { JwksKeyResolver, TokenVerifier } from '@sc/auth';
import { createLogger, loadEnvOrExit, runUntilSignal } from '@sc/config';
import { gatewayEnvSchema, readSupergraph, startGateway } from '@sc/gateway';

const env = loadEnvOrExit(gatewayEnvSchema, 'gateway');
const logger = createLogger({ service: 'gateway', level: env.LOG_LEVEL, pretty: env.LOG_PRETTY });

const verifier = new TokenVerifier(
  new JwksKeyResolver(env.AUTH_JWKS_URL, { onError: (err) => logger.warn({ err }, 'cannot fetch the JWKS') }),
  { issuer: env.AUTH_ISSUER, audience: env.AUTH_AUDIENCE },
);

runUntilSignal('gateway', logger, () =>
  startGateway({
    supergraphSdl: readSupergraph(env.SUPERGRAPH_FILE),
    subgraphUrls: { roster: env.ROSTER_URL, people: env.PEOPLE_URL },
    verifier,
    logger,
    development: env.NODE_ENV === 'development',
    port: env.GATEWAY_PORT,
    host: env.GATEWAY_HOST,
    trustedProxies: env.GATEWAY_TRUSTED_PROXIES,
  }),
);
