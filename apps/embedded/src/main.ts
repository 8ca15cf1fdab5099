/**
 * Embedded mode: every service and the gateway in one process, SQLite files (node:sqlite) under the
 * data folder and an in-process event bus, seeded with the Caichang demo. For trying the graph on
 * any laptop; production runs each app on its own with MySQL and Kafka (see docker/).
 */
import { JwksKeyResolver, TokenVerifier, type KeyResolver } from '@sc/auth';
import { createLogger, envWithDefaults, exitOnStartFailure, loadEnvOrExit } from '@sc/config';
import { InProcessBus } from '@sc/events';
import { gatewayEnvSchema, readSupergraph, startGateway } from '@sc/gateway';
import { peopleEnvSchema, startPeople } from '@sc/people';
import { DEMO_ACCOUNTS, DEMO_PASSWORD, rosterEnvSchema, startRoster } from '@sc/roster';

const env = envWithDefaults({ ROSTER_SEED_DEMO: 'true', PEOPLE_SEED_DEMO: 'true', LOG_PRETTY: 'true' });
const rosterEnv = loadEnvOrExit(rosterEnvSchema, 'embedded', env);
const peopleEnv = loadEnvOrExit(peopleEnvSchema, 'embedded', env);
const gatewayEnv = loadEnvOrExit(gatewayEnvSchema, 'embedded', env);
const logger = createLogger({
  service: 'embedded',
  level: rosterEnv.LOG_LEVEL,
  pretty: rosterEnv.LOG_PRETTY,
});

async function main(): Promise<void> {
  const bus = new InProcessBus({ logger });
  // People subscribes to the roster's grid events before the roster publishes its seed: the
  // in-process bus keeps no history. Its token keys come from the roster, once that listens.
  const rosterKeys: { resolver?: KeyResolver } = {};
  const people = await startPeople(peopleEnv, {
    logger: logger.child({ service: 'people' }),
    bus,
    keyResolver: { getKey: (kid) => rosterKeys.resolver?.getKey(kid) ?? Promise.resolve(undefined) },
  });
  const roster = await startRoster(rosterEnv, {
    logger: logger.child({ service: 'roster' }),
    publisher: bus,
  });
  rosterKeys.resolver = new JwksKeyResolver(roster.jwksUrl);
  const verifier = new TokenVerifier(rosterKeys.resolver, {
    issuer: gatewayEnv.AUTH_ISSUER,
    audience: gatewayEnv.AUTH_AUDIENCE,
  });
  const gateway = await startGateway({
    supergraphSdl: readSupergraph(gatewayEnv.SUPERGRAPH_FILE),
    subgraphUrls: { roster: `${roster.url}/graphql`, people: `${people.url}/graphql` },
    verifier,
    logger: logger.child({ service: 'gateway' }),
    development: gatewayEnv.NODE_ENV === 'development',
    port: gatewayEnv.GATEWAY_PORT,
    host: gatewayEnv.GATEWAY_HOST,
  });

  process.stdout.write(
    [
      '',
      `  Street-chief platform (embedded mode) — gateway: ${gateway.url}/graphql`,
      '',
      '  Try, with no token:',
      `    curl -s ${gateway.url}/graphql -H 'content-type: application/json' \\`,
      `      -d '{"query":"{ community(code: \\"caichang\\") { name streets(first: 50) { totalCount } } }"}'`,
      '',
      '  A token for a role (in another terminal):  npm run -s token -- --role ADMIN',
      '  Then, with it: { residents(first: 5) { totalCount nodes { name idNumberMasked } } populationStats { residents migrants } }',
      `  Or sign in: mutation { login(username: "admin", password: "${DEMO_PASSWORD}") { token } }`,
      `  Demo accounts: ${DEMO_ACCOUNTS.map((a) => a.username).join(', ')} (demo password above; embedded mode only)`,
      '',
    ].join('\n') + '\n',
  );

  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    logger.info('shutting down');
    void (async () => {
      await gateway.close();
      await roster.close();
      await people.close();
      await bus.close();
      process.exit(0);
    })();
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

// A data file that cannot be read stops the start with one line naming it (a StartupError).
main().catch((error: unknown) => exitOnStartFailure('embedded', logger, error));
