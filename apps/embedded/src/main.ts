/**
 * Embedded mode: every registered service and the gateway in one process, SQLite files (node:sqlite) under the
 * data folder and an in-process event bus, seeded with the Caichang demo. For trying the graph on
 * any laptop; production runs each app on its own with MySQL and Kafka (see docker/).
 */
import { JwksKeyResolver, type KeyResolver, TokenVerifier } from '@sc/auth';
import { ConfigError, createLogger, envWithDefaults, exitOnStartFailure, loadEnvOrExit } from '@sc/config';
import { COUNTY_FEED, parseCountyFeedConfig, type RunningCountyFeed, startCountyFeed } from '@sc/county-feed';
import { checkEmbeddedDatabase } from '@sc/db';
import { InProcessBus } from '@sc/events';
import {
  gatewayCookieSessions,
  gatewayCors,
  gatewayEnvSchema,
  readSupergraph,
  startGateway,
} from '@sc/gateway';
import type { Listening } from '@sc/graphql';
import { DEMO_ACCOUNTS, DEMO_PASSWORD } from '@sc/roster';
import { catchUpReadModels, envPrefix, type RunningService } from '@sc/service';
import { gatewayPages, SERVICES, supergraphFiles } from '@sc/services';
import { startTracingFromEnv } from '@sc/tracing';

// Subgraphs listen on the loopback only: in embedded mode the gateway is the one way in. The gateway
// reaches roster over loopback and tells it the caller's address (login throttling).
const env = envWithDefaults({
  LOG_PRETTY: 'true',
  ROSTER_TRUSTED_PROXIES: 'loopback',
  ...Object.fromEntries(
    [...SERVICES.map((s) => s.name), COUNTY_FEED].map((name) => [`${envPrefix(name)}_HOST`, '127.0.0.1']),
  ),
});
const gatewayEnv = loadEnvOrExit(gatewayEnvSchema, 'embedded', env);
const problems: string[] = [];
for (const s of SERVICES) {
  try {
    s.parseConfig(env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    problems.push(...error.problems);
  }
}
let feedConfig: ReturnType<typeof parseCountyFeedConfig> | undefined;
try {
  feedConfig = parseCountyFeedConfig(env);
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  problems.push(...error.problems);
}
if (problems.length > 0 || !feedConfig) {
  process.stderr.write(`embedded: invalid configuration: ${[...new Set(problems)].join('; ')}\n`);
  process.exit(78); // EX_CONFIG
}
const logger = createLogger({
  service: 'embedded',
  level: gatewayEnv.LOG_LEVEL,
  pretty: gatewayEnv.LOG_PRETTY,
});

// Off unless asked (OTEL_TRACES_EXPORTER=console to try it, or an OTLP endpoint): docs/observability.md.
const tracing = startTracingFromEnv('embedded', env);
const bus = new InProcessBus({ logger });
const running: RunningService[] = [];
let gateway: Listening | undefined;
let countyFeed: RunningCountyFeed | undefined;

async function closeAll(): Promise<void> {
  await gateway?.close();
  for (const s of running.splice(0).reverse()) await s.close();
  await countyFeed?.close();
  await bus.close();
  await tracing.shutdown();
}

async function main(): Promise<void> {
  // Every data file is checked before any service starts: one unreadable file stops the start
  // before another file is created or changed.
  for (const service of SERVICES) checkEmbeddedDatabase(service.parseConfig(env).databaseUrl);
  const feed = feedConfig as NonNullable<typeof feedConfig>;
  checkEmbeddedDatabase(feed.service.databaseUrl);
  // The county feed subscribes before anything is seeded (the bus keeps no history: it counts from the
  // first seed on); reading its AsyncAPI document takes seconds, so the services start meanwhile.
  const feedStarted = startCountyFeed({
    databaseUrl: feed.service.databaseUrl,
    groupId: feed.groupId,
    logger: logger.child({ service: COUNTY_FEED }),
    bus,
    asyncapiFile: feed.asyncapiFile,
    host: feed.service.host,
    port: feed.service.port,
  }).then((started) => (countyFeed = started));
  // Awaited below; a failure meanwhile must not surface as an unhandled rejection first.
  feedStarted.catch(() => undefined);
  // Start in registry order (the token issuer first); every service subscribes to the bus as it
  // starts, and only then does anyone seed, since the bus keeps no history.
  let keys: KeyResolver | undefined;
  for (const service of SERVICES) {
    const started = await service.start({
      env,
      logger: logger.child({ service: service.name }),
      bus,
      keyResolver: keys,
      seed: false,
    });
    running.push(started);
    if (started.jwksUrl) keys ??= new JwksKeyResolver(started.jwksUrl);
  }
  if (!keys) throw new Error('no registered service issues tokens');
  await feedStarted;
  // A data folder from an earlier version (before a read model or a service existed) holds read
  // models its events never reached, and the bus keeps no history: each one that holds fewer items
  // than its producer gets the producer's snapshot, through the outbox and the bus (ADR 0023). Before
  // the seeds, so a new service's demo seed finds the places and residents it builds on; after them,
  // for anything a seed left behind (on a fresh folder, nothing: both find every read model current).
  await catchUpReadModels(running, () => bus.idle(), logger);
  // Each seed's events reach every read model before the next seed and before the gateway listens:
  // people's places come from the roster's seed, the roster's residents from people's.
  for (const s of running) {
    await s.seed();
    await s.relay.flush();
    await bus.idle();
  }
  await catchUpReadModels(running, () => bus.idle(), logger);

  gateway = await startGateway({
    supergraphSdl: gatewayEnv.SUPERGRAPH_FILE
      ? readSupergraph(gatewayEnv.SUPERGRAPH_FILE)
      : readSupergraph(...supergraphFiles()),
    subgraphUrls: Object.fromEntries(running.map((s) => [s.name, `${s.url}/graphql`])),
    verifier: new TokenVerifier(keys, { issuer: gatewayEnv.AUTH_ISSUER, audience: gatewayEnv.AUTH_AUDIENCE }),
    logger: logger.child({ service: 'gateway' }),
    development: gatewayEnv.NODE_ENV === 'development',
    port: gatewayEnv.GATEWAY_PORT,
    host: gatewayEnv.GATEWAY_HOST,
    trustedProxies: gatewayEnv.GATEWAY_TRUSTED_PROXIES,
    cors: gatewayCors(gatewayEnv),
    cookieSessions: gatewayCookieSessions(gatewayEnv),
    pages: gatewayPages(),
  });

  // Printed once the gateway listens, so the URL works the moment it is shown.
  process.stdout.write(
    [
      '',
      `  Street-chief platform (embedded mode) — gateway: ${gateway.url}/graphql`,
      `  Services: ${running.map((s) => `${s.name} ${s.url}`).join(', ')} (loopback only)`,
      `  County feed (figures from the events alone, read-only JSON): ${countyFeed?.url ?? ''}/api/v1/figures?fromMonth=2026-01&toMonth=2026-12`,
      ...running
        .filter((s) => s.name === 'cases')
        .map((s) => `  Open311 GeoReport v2: ${s.url}/open311/v2/discovery.json (docs/open311.md)`),
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
    closeAll().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

// A data file that cannot be read stops the start with one line naming it (a StartupError); whatever
// had started is closed first.
main().catch(async (error: unknown) => {
  await closeAll().catch(() => undefined);
  exitOnStartFailure('embedded', logger, error);
});
