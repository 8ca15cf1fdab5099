import { fork } from 'node:child_process';
import { once } from 'node:events';
import { parse } from 'graphql';
import type { DataSource } from 'typeorm';
import type { z } from 'zod';
import {
  authenticate,
  JwksKeyResolver,
  type KeyResolver,
  type SigningKey,
  StaticKeyResolver,
  toJwks,
  TokenVerifier,
} from '@sc/auth';
import {
  ConfigError,
  createLogger,
  type Env,
  envForChild,
  envWithDefaults,
  type Logger,
  runUntilSignal,
} from '@sc/config';
import { ExclusiveJob, openDatabase } from '@sc/db';
import { Metrics } from '@sc/metrics';
import { startTracingFromEnv } from '@sc/tracing';
import {
  instrumentedPublisher,
  inboxOutcomeCounter,
  registerOutboxGauges,
  registerPoolGauges,
} from './metrics';
import {
  BusSubscriber,
  type EventPublisher,
  type EventSubscriber,
  type InProcessBus,
  KafkaPublisher,
  KafkaSubscriber,
  Outbox,
  OUTBOX_ENTITIES,
  OUTBOX_MIGRATIONS,
  OutboxRelay,
  type Producer,
  type SnapshotSource,
  type Subscription,
} from '@sc/events';
import { type Listening, type RouteHandler, sendJson, startSubgraph, subgraphSdl } from '@sc/graphql';
import type { Consumption, RequestInfo, ServiceDefinition, ServiceKit } from './define';
import { parseServiceEnv, serviceEnvNames, type ServiceConfig } from './env';

/**
 * The relay's linger under sustained load (ADR 0053): events of commits made while a batch was being
 * published wait at most this long more, and go out together.
 */
const RELAY_LINGER_MS = 5;

/** How to start a service: embedded mode passes the shared bus and key resolver. */
export interface StartOptions {
  /** The environment (strings); default: the process environment. */
  env?: Env;
  logger: Logger;
  /** Embedded mode: publish to and consume from this in-process bus instead of Kafka. */
  bus?: InProcessBus;
  /** Where token keys come from; default the issuer's JWKS at AUTH_JWKS_URL (the issuer uses its own key). */
  keyResolver?: KeyResolver;
  /** Load the demo data now; default `<NAME>_SEED_DEMO`. Embedded mode seeds once everything subscribed. */
  seed?: boolean;
  /** The clock the service's jobs (and `build`) use; default the system clock. Tests move it. */
  clock?: () => Date;
  /**
   * Run the seed in a child process when the definition says `seedIn: 'child'` (set by `runService`,
   * the deployed main; see `ServiceDefinition.seedIn`).
   */
  seedInChild?: boolean;
}

/** A started service: its subgraph listening, relay publishing, subscriptions consuming. */
export interface RunningService<TExposed = unknown> extends Listening {
  name: string;
  config: ServiceConfig;
  dataSource: DataSource;
  relay: OutboxRelay;
  subscriptions: readonly Subscription[];
  /** The service's periodic jobs by name (`runOnce()` runs one now, e.g. in a test after moving the clock). */
  jobs: ReadonlyMap<string, ExclusiveJob>;
  /** Loads the demo data if the database is empty (see `ServiceParts.seed`). */
  seed(): Promise<void>;
  /** What it consumes (read models and their catch-up). */
  consumes: readonly Consumption[];
  /** Its snapshot for other services' read models, when it produces one (ADR 0023). */
  snapshot?: SnapshotSource;
  /** Set when the service issues tokens. */
  jwksUrl?: string;
  signingKey?: SigningKey;
  exposed: TExposed;
  /** What `/metrics` serves. */
  metrics: Metrics;
}

/** A service as the registry, the apps and the tools see it. */
export interface Service<TExposed = unknown> {
  readonly name: string;
  readonly title: string;
  readonly port: number;
  /** The subgraph's whole SDL, as composed and served. */
  sdl(): string;
  readonly produces?: Producer;
  readonly consumes: readonly Consumption[];
  /** Every entity of the service's database, the outbox and inbox included. */
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  readonly entities: Function[];
  /** Every migration of the service's database, in order (the outbox/inbox migration first). */
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  readonly migrations: Function[];
  readonly migrationsDir: string;
  /** Public pages it serves that the gateway forwards (GET patterns such as `/signboards/*`). */
  readonly pages: readonly string[];
  /** Every environment variable the service reads. */
  envNames(): string[];
  /** Its snapshot on a database opened for it (`npm run readmodels:snapshot`); absent if it has none. */
  readonly snapshotOn?: (dataSource: DataSource) => SnapshotSource;
  /** Parses the service's settings (throws ConfigError naming every wrong variable). */
  parseConfig(env: Env): ServiceConfig;
  start(options: StartOptions): Promise<RunningService<TExposed>>;
  /**
   * Builds the service on its (migrated) database, runs its demo seed and closes, serving nothing and
   * consuming nothing: the body of the seed's child process (`seedIn: 'child'`).
   */
  seedOnly(options: StartOptions): Promise<void>;
}

const JWKS_PATH = '/.well-known/jwks.json';

/**
 * Declares a service from its definition. Starting it (see {@link Service.start}) owns the
 * database and its migrations, the outbox relay (with retention), the publisher and subscriber
 * (Kafka, or the in-process bus in embedded mode), token verification, the subgraph server with
 * health and readiness, and an orderly close — also after a failed start.
 */
export function defineService<
  TShape extends z.ZodRawShape,
  TContext extends RequestInfo,
  TExposed = undefined,
>(definition: ServiceDefinition<TShape, TContext, TExposed>): Service<TExposed> {
  const entities = [...definition.entities, ...OUTBOX_ENTITIES];
  const migrations = [...OUTBOX_MIGRATIONS, ...definition.migrations];
  const consumes = definition.consumes ?? [];
  const snapshot = definition.snapshot;
  return Object.freeze({
    name: definition.name,
    title: definition.title,
    port: definition.port,
    sdl: () => subgraphSdl(definition.sdl()),
    produces: definition.produces,
    consumes,
    entities,
    migrations,
    migrationsDir: definition.migrationsDir,
    pages: definition.pages ?? [],
    envNames: () => serviceEnvNames(definition),
    snapshotOn: snapshot
      ? (dataSource: DataSource) => snapshot(dataSource, outboxOf(definition), () => undefined)
      : undefined,
    parseConfig: (env: Env) => parseServiceEnv(definition, env).config,
    start: async (options: StartOptions) => {
      const running = await start(definition, entities, migrations, consumes, options, 'serve');
      if (!running) throw new Error(`${definition.name} did not start`);
      return running;
    },
    seedOnly: async (options: StartOptions) => {
      await start(definition, entities, migrations, consumes, options, 'seed');
    },
  });
}

async function start<TShape extends z.ZodRawShape, TContext extends RequestInfo, TExposed>(
  definition: ServiceDefinition<TShape, TContext, TExposed>,
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  entities: Function[],
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  migrations: Function[],
  consumes: readonly Consumption[],
  options: StartOptions,
  mode: 'serve' | 'seed',
): Promise<RunningService<TExposed> | null> {
  const { config, env } = parseServiceEnv(definition, options.env ?? envWithDefaults({}));
  const { name } = definition;
  const logger = options.logger;
  const closers: (() => Promise<void> | void)[] = [];
  const close = async (): Promise<void> => {
    for (const closer of closers.splice(0).reverse()) {
      try {
        await closer();
      } catch (error) {
        logger.warn({ err: error, service: name }, 'a part of the service failed to close');
      }
    }
  };

  try {
    const dataSource = await openDatabase({
      url: config.databaseUrl,
      entities,
      migrations,
      logger,
      embeddedUpgrade: definition.embeddedUpgrade,
    });
    closers.push(() => dataSource.destroy());
    const clock = options.clock ?? (() => new Date());
    const metrics = new Metrics({ service: name });
    registerPoolGauges(metrics, dataSource);
    registerOutboxGauges(metrics, dataSource, clock);

    let publisher: EventPublisher;
    let subscriber: EventSubscriber;
    if (options.bus) {
      publisher = options.bus;
      subscriber = new BusSubscriber(options.bus, logger);
    } else {
      if (config.kafkaBrokers.length === 0)
        throw new Error('KAFKA_BROKERS is empty and no in-process bus was given');
      const kafkaPublisher = new KafkaPublisher({
        brokers: config.kafkaBrokers,
        clientId: config.kafkaClientId,
        logger,
        topicPrefix: config.kafkaTopicPrefix,
      });
      closers.push(() => kafkaPublisher.close());
      publisher = kafkaPublisher;
      subscriber = new KafkaSubscriber({
        brokers: config.kafkaBrokers,
        clientId: config.kafkaClientId,
        logger,
        topicPrefix: config.kafkaTopicPrefix,
      });
    }
    const relay = new OutboxRelay({
      dataSource,
      publisher: instrumentedPublisher(publisher, metrics),
      logger,
      retention: { keepMs: config.outboxRetentionDays * 86_400_000 },
      lingerMs: RELAY_LINGER_MS,
    });
    const outbox = outboxOf(definition);
    const committed = () => relay.nudge();

    const kit: ServiceKit<z.infer<z.ZodObject<TShape>>> = {
      name,
      env,
      config,
      logger,
      dataSource,
      outbox,
      committed,
      onClose: (closer) => void closers.push(closer),
      clock,
      metrics,
      authenticate: async (req) => {
        if (!routeVerifier) throw new Error('a route was called before the service listens');
        return authenticate(req.headers.authorization, routeVerifier);
      },
    };
    // Set once the key resolver is known (after build); routes are served only after that.
    let routeVerifier: TokenVerifier | null = null;
    const parts = await definition.build(kit);
    if (mode === 'seed') {
      // The seed's child process. It publishes the seed's events itself (decompressing and producing
      // megabytes of envelopes churns as much native memory as the seed); what it cannot publish (the
      // broker is down) stays in the outbox for the serving parent's relay, as after an inline seed.
      await parts.seed?.();
      await relay
        .flush()
        .catch((err: unknown) =>
          logger.warn({ err }, `${name} seed: events left for the service's relay to publish`),
        );
      await close();
      return null;
    }

    // Subscribe before anything is seeded or served: the in-process bus keeps no history.
    const inboxOutcome = inboxOutcomeCounter(metrics);
    const subscriptions = consumes.map((c) =>
      subscriber.subscribe({
        consumer: `${name}.${c.name}${config.kafkaGroupSuffix}`,
        topics: c.topics.map((t) => t.name),
        handler: c.handler,
        dataSource,
        onOutcome: (outcome) => inboxOutcome(`${name}.${c.name}`, outcome),
      }),
    );
    if (subscriber instanceof KafkaSubscriber) {
      // The consumer label is the group without the deployment's suffix: the same on every copy.
      const groups = consumes.map((c) => ({
        consumer: `${name}.${c.name}${config.kafkaGroupSuffix}`,
        topics: c.topics.map((t) => t.name),
      }));
      const label = new Map(
        consumes.map((c) => [`${name}.${c.name}${config.kafkaGroupSuffix}`, `${name}.${c.name}`]),
      );
      const kafka = subscriber;
      metrics.gauge(
        'sc_consumer_lag_messages',
        'Messages a consumer has yet to process, per topic partition (end offset minus committed offset).',
        ['consumer', 'topic', 'partition'],
        async (gauge) => {
          gauge.reset();
          for (const row of await kafka.lag(groups))
            gauge.set(
              {
                consumer: label.get(row.consumer) ?? row.consumer,
                topic: row.topic,
                partition: String(row.partition),
              },
              row.lag,
            );
        },
      );
    }
    // All at once: a Kafka consumer's stop waits for its fetch in flight (up to kafkajs's 5 s long
    // poll), so stopping them one after another made a service with five read models take ~15 s.
    closers.push(async () => {
      const results = await Promise.allSettled(subscriptions.map((s) => s.stop()));
      for (const r of results)
        if (r.status === 'rejected')
          logger.warn({ err: r.reason, service: name }, 'a consumer failed to stop');
    });

    const seed = async (): Promise<void> => {
      await parts.seed?.();
      committed();
    };
    if (options.seed ?? config.seedDemo) {
      if (parts.seed && definition.seedIn === 'child' && options.seedInChild && !options.bus) {
        await seedInChildProcess(name, logger);
        committed();
      } else await seed();
    }
    relay.start();
    closers.push(() => relay.stop());
    const jobs = new Map<string, ExclusiveJob>();
    for (const job of parts.jobs ?? []) {
      if (jobs.has(job.name)) throw new Error(`${name} declares the job ${job.name} twice`);
      const exclusive = new ExclusiveJob({ dataSource, logger, clock, ...job });
      jobs.set(job.name, exclusive);
      exclusive.start();
      closers.push(() => exclusive.stop());
    }

    const keyResolver: KeyResolver = parts.issuer
      ? new StaticKeyResolver([parts.issuer.signingKey])
      : (options.keyResolver ??
        new JwksKeyResolver(config.auth.jwksUrl, {
          onError: (err) => logger.warn({ err }, 'cannot fetch the JWKS'),
        }));
    const verifier = new TokenVerifier(keyResolver, {
      issuer: config.auth.issuer,
      audience: config.auth.audience,
    });
    routeVerifier = verifier;
    const routes: Record<string, RouteHandler> = { ...parts.routes };
    if (parts.issuer) {
      const jwks = toJwks([parts.issuer.signingKey]);
      routes[JWKS_PATH] = (_req, res) => sendJson(res, 200, jwks);
    }

    const listening = await startSubgraph<TContext>({
      name,
      typeDefs: parseSdl(subgraphSdl(definition.sdl())),
      resolvers: definition.resolvers,
      logger,
      development: config.nodeEnv === 'development',
      port: config.port,
      host: config.host,
      context: async (req) =>
        parts.context({ principal: await authenticate(req.headers.authorization, verifier), req }),
      metrics,
      ...(parts.plugins ? { plugins: parts.plugins } : {}),
      readiness: [
        { name: 'database', check: async () => void (await dataSource.query('SELECT 1')) },
        ...(parts.readiness ?? []),
      ],
      routes,
    });
    closers.push(() => listening.close());
    logger.info({ url: `${listening.url}/graphql` }, `${name} subgraph listening`);

    return {
      ...listening,
      name,
      config,
      dataSource,
      relay,
      subscriptions,
      jobs,
      seed,
      consumes,
      snapshot: definition.snapshot?.(dataSource, outbox, committed),
      jwksUrl: parts.issuer ? `${listening.url}${JWKS_PATH}` : undefined,
      signingKey: parts.issuer?.signingKey,
      exposed: parts.exposed as TExposed,
      metrics,
      close,
    };
  } catch (error) {
    // Leave nothing running behind a failed start (open handles keep a process, or jest, alive).
    await close();
    throw error;
  }
}

/** The variable that makes a service's main the seed's child process (its value: the service name). */
const SEED_CHILD_ENV = 'SC_SEED_CHILD';

/**
 * Runs `seedOnly` of this app in a child process (the same main script, Node flags and environment)
 * and waits for it; rejects when it fails. A parent that stops first takes the child down with it (it
 * exits when the IPC channel closes; an unfinished seed's transaction rolls back).
 */
async function seedInChildProcess(name: string, logger: Logger): Promise<void> {
  const script = process.argv[1];
  if (!script) throw new Error('cannot seed in a child process: no main script');
  // A second inspector or CPU profile of the same name would clash with the parent's.
  const execArgv = process.execArgv.filter((a) => !/^--(inspect|cpu-prof|heap-prof)/.test(a));
  const started = Date.now();
  const child = fork(script, process.argv.slice(2), {
    execArgv,
    env: envForChild({ [SEED_CHILD_ENV]: name }),
    stdio: 'inherit',
  });
  const [code, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
  if (code !== 0)
    throw new Error(
      `the ${name} demo seed failed in its child process (${code ?? signal}); see its log above`,
    );
  logger.info({ ms: Date.now() - started, pid: child.pid }, `${name} demo seed ran in a child process`);
}

function outboxOf(definition: { name: string; produces?: Producer }): Outbox {
  return new Outbox(definition.produces ?? { source: `/caichang/${definition.name}` });
}

function parseSdl(sdl: string) {
  return parse(sdl);
}

/**
 * A service app's whole main: settings from the environment (one line per wrong variable and exit
 * 78 when they are wrong), a logger, start, and an orderly stop on SIGTERM/SIGINT.
 */
export function runService(service: Service): void {
  const env = envWithDefaults({});
  let config: ServiceConfig;
  try {
    config = service.parseConfig(env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${service.name}: invalid configuration: ${error.message}\n`);
    process.exit(78); // EX_CONFIG
  }
  const logger = createLogger({ service: service.name, level: config.logLevel, pretty: config.logPretty });
  if (env[SEED_CHILD_ENV] === service.name) {
    runSeedChild(service, env, logger);
    return;
  }
  const tracing = startTracingFromEnv(service.name, env);
  runUntilSignal(service.name, logger, async () => {
    const running = await service.start({ env, logger, seedInChild: true });
    return {
      close: async () => {
        await running.close();
        await tracing.shutdown();
      },
    };
  });
}

/** The seed's child process (see `seedInChildProcess`): seed, then exit 0, or 1 with the error logged. */
function runSeedChild(service: Service, env: Env, logger: Logger): void {
  process.once('disconnect', () => {
    logger.error(`${service.name} seed: the parent process went away; stopping`);
    process.exit(1);
  });
  service.seedOnly({ env, logger }).then(
    () => process.exit(0),
    (error: unknown) => {
      logger.error({ err: error }, `${service.name} demo seed failed`);
      process.exit(1);
    },
  );
}
