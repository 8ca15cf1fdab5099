import fs from 'node:fs';
import path from 'node:path';
import type { DataSource } from 'typeorm';
import {
  authenticate,
  loadOrCreateDevSigningKey,
  signingKeyFromPem,
  StaticKeyResolver,
  toJwks,
  TokenIssuer,
  TokenVerifier,
  type SigningKey,
} from '@sc/auth';
import type { Logger } from '@sc/config';
import { openDatabase } from '@sc/db';
import {
  createKafka,
  KafkaPublisher,
  Outbox,
  OutboxRelay,
  OUTBOX_ENTITIES,
  OUTBOX_MIGRATIONS,
  type EventPublisher,
} from '@sc/events';
import { clientAddress, sendJson, startSubgraph, type Listening } from '@sc/graphql';
import { rosterDatabaseUrl, type RosterEnv } from './config';
import type { RosterContext } from './context';
import { Account, LoginThrottle } from './entities/account.entity';
import { Patrol, Training, TrainingAttendance } from './entities/activity.entity';
import { ChiefNomination, ChiefTransition, StreetChief } from './entities/chief.entity';
import { Grid, GridChange, GridMember } from './entities/grid.entity';
import { Place } from './entities/place.entity';
import { Signboard } from './entities/signboard.entity';
import { ROSTER_SOURCE } from './events/contracts';
import { ChiefLoaders, RosterLoaders } from './loaders';
import { ROSTER_MIGRATIONS } from './migrations';
import { PlaceRepository } from './repositories/place.repository';
import { RosterRepository } from './repositories/roster.repository';
import { resolvers, type RosterResolvers } from './resolvers';
import { rosterTypeDefs } from './schema';
import { seedCaichang } from './seed/caichang';
import { AccountService } from './services/account.service';
import { ActivityService } from './services/activity.service';
import { ChiefService } from './services/chief.service';
import { GridService } from './services/grid.service';
import { SignboardService } from './services/signboard.service';
import { PlaceService } from './services/place.service';

export const ROSTER_ENTITIES = [
  Place,
  Account,
  LoginThrottle,
  Grid,
  GridMember,
  GridChange,
  StreetChief,
  ChiefNomination,
  ChiefTransition,
  Signboard,
  Training,
  TrainingAttendance,
  Patrol,
  ...OUTBOX_ENTITIES,
];
/** The platform's outbox/inbox tables first, then the roster's own generated migrations. */
export const ROSTER_ALL_MIGRATIONS = [...OUTBOX_MIGRATIONS, ...ROSTER_MIGRATIONS];

export interface RosterDeps {
  logger: Logger;
  /** A shared publisher (the in-process bus in embedded mode); otherwise Kafka from KAFKA_BROKERS. */
  publisher?: EventPublisher;
}

export interface RunningRoster extends Listening {
  dataSource: DataSource;
  signingKey: SigningKey;
  relay: OutboxRelay;
  jwksUrl: string;
}

function signingKey(env: RosterEnv): SigningKey {
  if (env.AUTH_PRIVATE_KEY_FILE)
    return signingKeyFromPem(fs.readFileSync(path.resolve(env.AUTH_PRIVATE_KEY_FILE), 'utf8'));
  return loadOrCreateDevSigningKey(path.resolve(env.DATA_DIR));
}

/** Creates the first ADMIN of an empty deployment (there is no other way in: accounts need an ADMIN). */
async function bootstrapAdmin(
  env: RosterEnv,
  ds: DataSource,
  accounts: AccountService,
  logger: Logger,
): Promise<void> {
  const username = env.ROSTER_BOOTSTRAP_ADMIN;
  if (!username || (await ds.getRepository(Account).count()) > 0) return;
  if (!env.ROSTER_BOOTSTRAP_ADMIN_PASSWORD_FILE) {
    throw new Error('ROSTER_BOOTSTRAP_ADMIN needs ROSTER_BOOTSTRAP_ADMIN_PASSWORD_FILE');
  }
  const password = fs.readFileSync(path.resolve(env.ROSTER_BOOTSTRAP_ADMIN_PASSWORD_FILE), 'utf8').trim();
  if (password.length < 12) throw new Error('the bootstrap admin password must have at least 12 characters');
  await accounts.createUnchecked({
    username,
    displayName: 'Administrator',
    password,
    roles: ['ADMIN'],
    scopes: [],
  });
  logger.info({ username }, 'created the bootstrap ADMIN account');
}

/**
 * Builds and starts the roster subgraph: database (migrated), outbox relay, token issuing and
 * verification, GraphQL over HTTP with health endpoints and the JWKS document.
 */
export async function startRoster(env: RosterEnv, deps: RosterDeps): Promise<RunningRoster> {
  const logger = deps.logger;
  const dataSource = await openDatabase({
    url: rosterDatabaseUrl(env),
    entities: ROSTER_ENTITIES,
    migrations: ROSTER_ALL_MIGRATIONS,
    logger,
  });
  let publisher = deps.publisher;
  if (!publisher) {
    if (env.KAFKA_BROKERS.length === 0)
      throw new Error('KAFKA_BROKERS is empty and no in-process bus was given');
    publisher = new KafkaPublisher({
      kafka: createKafka({ brokers: env.KAFKA_BROKERS, clientId: env.KAFKA_CLIENT_ID, logger }),
      logger,
    });
  }
  const relay = new OutboxRelay({
    dataSource,
    publisher,
    logger,
    retention: { keepMs: env.OUTBOX_RETENTION_DAYS * 86_400_000 },
  });

  const key = signingKey(env);
  const issuer = new TokenIssuer(key, {
    issuer: env.AUTH_ISSUER,
    audience: env.AUTH_AUDIENCE,
    ttlSeconds: env.AUTH_TOKEN_TTL_SECONDS,
  });
  const verifier = new TokenVerifier(new StaticKeyResolver([key]), {
    issuer: env.AUTH_ISSUER,
    audience: env.AUTH_AUDIENCE,
  });
  const outbox = new Outbox({ source: ROSTER_SOURCE });
  const accounts = new AccountService(dataSource, issuer, {
    maxFailures: env.LOGIN_MAX_FAILURES,
    windowSeconds: env.LOGIN_WINDOW_SECONDS,
    accountMaxFailures: env.LOGIN_ACCOUNT_MAX_FAILURES,
    accountWindowSeconds: env.LOGIN_ACCOUNT_WINDOW_SECONDS,
  });
  const nudge = () => relay.nudge();
  const signboards = new SignboardService(dataSource, outbox, nudge);
  const places = new PlaceService(dataSource, outbox, nudge, signboards);
  const grids = new GridService(dataSource, outbox, signboards, nudge);
  const chiefs = new ChiefService(dataSource, outbox, grids, signboards, nudge);
  const activities = new ActivityService(dataSource, outbox, nudge);
  const placeRepository = new PlaceRepository(dataSource);
  const rosterRepository = new RosterRepository(dataSource);

  if (env.ROSTER_SEED_DEMO) {
    await seedCaichang(dataSource, { places, accounts, grids, chiefs, signboards }, logger);
  }
  if (env.ROSTER_BOOTSTRAP_ADMIN) await bootstrapAdmin(env, dataSource, accounts, logger);
  relay.start();

  const jwks = toJwks([key]);
  const listening = await startSubgraph<RosterContext>({
    name: 'roster',
    typeDefs: rosterTypeDefs(),
    resolvers: resolvers as unknown as RosterResolvers,
    logger,
    development: env.NODE_ENV === 'development',
    port: env.ROSTER_PORT,
    host: env.ROSTER_HOST,
    context: async (req) => ({
      principal: await authenticate(req.headers.authorization, verifier),
      clientAddress: clientAddress(req, env.ROSTER_TRUSTED_PROXIES),
      loaders: new RosterLoaders(placeRepository),
      chiefLoaders: new ChiefLoaders(dataSource, rosterRepository),
      places,
      accounts,
      grids,
      chiefs,
      signboards,
      activities,
    }),
    readiness: [{ name: 'database', check: async () => void (await dataSource.query('SELECT 1')) }],
    routes: { '/.well-known/jwks.json': (_req, res) => sendJson(res, 200, jwks) },
  });
  logger.info({ url: `${listening.url}/graphql` }, 'roster subgraph listening');
  return {
    ...listening,
    dataSource,
    signingKey: key,
    relay,
    jwksUrl: `${listening.url}/.well-known/jwks.json`,
    close: async () => {
      await listening.close();
      await relay.stop();
      if (!deps.publisher) await publisher.close();
      await dataSource.destroy();
    },
  };
}
