import path from 'node:path';
import type { DataSource } from 'typeorm';
import { authenticate, JwksKeyResolver, TokenVerifier, type KeyResolver } from '@sc/auth';
import type { Logger } from '@sc/config';
import { openDatabase } from '@sc/db';
import {
  createKafka,
  type InProcessBus,
  KafkaPublisher,
  Outbox,
  OutboxRelay,
  subscribeWithInbox,
  type EventPublisher,
} from '@sc/events';
import { startSubgraph, type Listening } from '@sc/graphql';
import { peopleDatabaseUrl, type PeopleEnv } from './config';
import type { PeopleContext } from './context';
import { FieldCipher, loadOrCreateDevFieldKeys, parseFieldKeys } from './crypto';
import { PEOPLE_EMBEDDED_UPGRADE } from './embedded-upgrade';
import { PEOPLE_SOURCE } from './events/contracts';
import { GridConsumer } from './events/grid-consumer';
import { restoreMissingIndexes } from './import/deferred-indexes';
import { ROSTER_GRIDS_TOPIC } from './events/roster-grids';
import { PeopleLoaders } from './loaders';
import { PEOPLE_ALL_MIGRATIONS, PEOPLE_ENTITIES } from './people.entities';
import { HouseholdRepository } from './repositories/household.repository';
import { ResidentRepository } from './repositories/resident.repository';
import { StatsRepository } from './repositories/stats.repository';
import { UnitRepository } from './repositories/unit.repository';
import { resolvers, type PeopleResolvers } from './resolvers';
import { peopleTypeDefs } from './schema';
import { seedDemoPopulation } from './seed/demo';
import { PeopleAccess } from './services/access';
import { AccessLogBatch, AccessLogQueries } from './services/access-log';
import { applyGridEvent } from './services/grid-read-model';
import { HouseholdService } from './services/household.service';
import { Records } from './services/records';
import { ResidentService } from './services/resident.service';
import { StatsService } from './services/stats.service';
import { UnitService } from './services/unit.service';

export interface PeopleDeps {
  logger: Logger;
  /**
   * Embedded mode: the in-process bus, used to publish the outbox and to consume the roster's grid
   * events. Otherwise Kafka from KAFKA_BROKERS.
   */
  bus?: InProcessBus;
  /** Where token keys come from; default the roster's JWKS at AUTH_JWKS_URL. */
  keyResolver?: KeyResolver;
}

export interface RunningPeople extends Listening {
  dataSource: DataSource;
  relay: OutboxRelay;
  cipher: FieldCipher;
}

/** The field cipher from configuration, or dev keys in the data folder (refused in production). */
export function fieldCipher(env: PeopleEnv): FieldCipher {
  if (env.PEOPLE_FIELD_KEYS && env.PEOPLE_BLIND_INDEX_KEY) {
    return new FieldCipher(parseFieldKeys(env.PEOPLE_FIELD_KEYS, env.PEOPLE_BLIND_INDEX_KEY));
  }
  if (env.PEOPLE_FIELD_KEYS || env.PEOPLE_BLIND_INDEX_KEY) {
    throw new Error('set both PEOPLE_FIELD_KEYS and PEOPLE_BLIND_INDEX_KEY, or neither (dev keys)');
  }
  if (env.NODE_ENV === 'production') {
    throw new Error('PEOPLE_FIELD_KEYS and PEOPLE_BLIND_INDEX_KEY are required in production');
  }
  const dev = loadOrCreateDevFieldKeys(path.resolve(env.DATA_DIR));
  return new FieldCipher(parseFieldKeys(dev.encKeys, dev.blindIndexKey));
}

/**
 * Builds and starts the people subgraph: database (migrated), outbox relay, the grid read model
 * consumer, token verification through the roster's keys, GraphQL over HTTP with readiness.
 */
export async function startPeople(env: PeopleEnv, deps: PeopleDeps): Promise<RunningPeople> {
  const logger = deps.logger;
  const cipher = fieldCipher(env);
  const dataSource = await openDatabase({
    url: peopleDatabaseUrl(env),
    entities: PEOPLE_ENTITIES,
    migrations: PEOPLE_ALL_MIGRATIONS,
    logger,
    embeddedUpgrade: PEOPLE_EMBEDDED_UPGRADE,
  });
  await restoreMissingIndexes(dataSource, logger);
  const closers: (() => Promise<void>)[] = [];
  try {
    let publisher: EventPublisher;
    if (deps.bus) {
      publisher = deps.bus;
      const unsubscribe = subscribeWithInbox(deps.bus, {
        dataSource,
        logger,
        topics: [ROSTER_GRIDS_TOPIC],
        consumer: env.PEOPLE_GRID_CONSUMER_GROUP,
        handler: applyGridEvent,
      });
      closers.push(async () => unsubscribe());
    } else {
      if (env.KAFKA_BROKERS.length === 0)
        throw new Error('KAFKA_BROKERS is empty and no in-process bus was given');
      const kafka = createKafka({ brokers: env.KAFKA_BROKERS, clientId: env.KAFKA_CLIENT_ID, logger });
      const kafkaPublisher = new KafkaPublisher({ kafka, logger });
      publisher = kafkaPublisher;
      const grids = new GridConsumer({
        dataSource,
        logger,
        brokers: env.KAFKA_BROKERS,
        clientId: env.KAFKA_CLIENT_ID,
        groupId: env.PEOPLE_GRID_CONSUMER_GROUP,
      });
      grids.start();
      closers.push(
        () => grids.stop(),
        () => kafkaPublisher.close(),
      );
    }
    const relay = new OutboxRelay({ dataSource, publisher, logger });

    const verifier = new TokenVerifier(
      deps.keyResolver ??
        new JwksKeyResolver(env.AUTH_JWKS_URL, {
          onError: (err) => logger.warn({ err }, 'cannot fetch the JWKS'),
        }),
      { issuer: env.AUTH_ISSUER, audience: env.AUTH_AUDIENCE },
    );
    const outbox = new Outbox({ source: PEOPLE_SOURCE });
    const nudge = () => relay.nudge();
    const access = new PeopleAccess(dataSource, env.PEOPLE_COMMUNITY_CODE);
    const records = new Records(dataSource, cipher);
    const residents = new ResidentService(dataSource, outbox, cipher, access, records, nudge);
    const households = new HouseholdService(dataSource, access, records, residents, nudge);
    const stats = new StatsService(access, new StatsRepository(dataSource));
    const units = new UnitService(dataSource, outbox, cipher, access, records, nudge);
    const accessLogQueries = new AccessLogQueries(dataSource, access);
    const residentRepository = new ResidentRepository(dataSource);
    const householdRepository = new HouseholdRepository(dataSource);
    const unitRepository = new UnitRepository(dataSource);

    if (env.PEOPLE_SEED_DEMO) await seedDemoPopulation(dataSource, cipher, logger);
    relay.start();
    closers.unshift(() => relay.stop());

    const listening = await startSubgraph<PeopleContext>({
      name: 'people',
      typeDefs: peopleTypeDefs(),
      resolvers: resolvers as unknown as PeopleResolvers,
      logger,
      development: env.NODE_ENV === 'development',
      port: env.PEOPLE_PORT,
      host: env.PEOPLE_HOST,
      context: async (req) => {
        const principal = await authenticate(req.headers.authorization, verifier);
        let scope: ReturnType<PeopleAccess['scopeOf']> | undefined;
        return {
          principal,
          scope: () => (scope ??= access.scopeOf(principal)),
          loaders: new PeopleLoaders(residentRepository, householdRepository, unitRepository),
          accessLog: principal ? new AccessLogBatch(dataSource, principal) : null,
          residents,
          households,
          stats,
          units,
          accessLogQueries,
        };
      },
      readiness: [{ name: 'database', check: async () => void (await dataSource.query('SELECT 1')) }],
    });
    logger.info({ url: `${listening.url}/graphql` }, 'people subgraph listening');
    return {
      ...listening,
      dataSource,
      relay,
      cipher,
      close: async () => {
        await listening.close();
        for (const close of closers) await close();
        await dataSource.destroy();
      },
    };
  } catch (error) {
    for (const close of closers) await close().catch(() => undefined);
    await dataSource.destroy();
    throw error;
  }
}
