import fs from 'node:fs';
import path from 'node:path';
import type { DataSource } from 'typeorm';
import { loadOrCreateDevSigningKey, signingKeyFromPem, type SigningKey, TokenIssuer } from '@sc/auth';
import type { Logger } from '@sc/config';
import { CacheGeneration, ReadCache, ReadGeneration } from '@sc/db';
import { clientAddress, publicReadCachePlugin, requestOrigin } from '@sc/graphql';
import { RESIDENTS_READ_MODEL, ResidentRef } from '@sc/people-contracts';
import { ROSTER_EVENTS } from '@sc/roster-contracts';
import { defineService, type RunningService, type ServiceConfig } from '@sc/service';
import { ROSTER_ENV, type RosterEnv } from './config';
import type { RosterContext } from './context';
import { Account, LoginThrottle, RefreshToken } from './entities/account.entity';
import { Patrol, Training, TrainingAttendance } from './entities/activity.entity';
import { ChiefNomination, ChiefTransition, StreetChief } from './entities/chief.entity';
import { Grid, GridChange, GridMember } from './entities/grid.entity';
import { Place } from './entities/place.entity';
import { Signboard } from './entities/signboard.entity';
import { SignboardRefresh, SignboardRefreshLock } from './entities/signboard-refresh.entity';
import { RosterLoaders } from './loaders';
import { ROSTER_MIGRATIONS } from './migrations';
import { RosterRepository } from './repositories/roster.repository';
import { resolvers } from './resolvers';
import { rosterSdl } from './schema';
import { SIGNBOARD_PAGES, signboardPageRoute } from './pages/signboard-page';
import { seedCaichang } from './seed/caichang';
import { AccountService } from './services/account.service';
import { ActivityService } from './services/activity.service';
import { ChiefService } from './services/chief.service';
import { GridService } from './services/grid.service';
import { PlaceService } from './services/place.service';
import { SignboardService } from './services/signboard.service';
import { RosterSnapshot } from './services/snapshot.service';

/**
 * The roster's own tables (the kit adds the outbox and inbox); `people_resident` is the people
 * service's residents read model (the resident ids a nomination may name).
 */
export const ROSTER_ENTITIES = [
  Place,
  Account,
  LoginThrottle,
  RefreshToken,
  Grid,
  GridMember,
  GridChange,
  StreetChief,
  ChiefNomination,
  ChiefTransition,
  Signboard,
  SignboardRefresh,
  SignboardRefreshLock,
  Training,
  TrainingAttendance,
  Patrol,
  ResidentRef,
  CacheGeneration,
];

function signingKey(env: RosterEnv, config: ServiceConfig): SigningKey {
  if (env.AUTH_PRIVATE_KEY_FILE)
    return signingKeyFromPem(fs.readFileSync(path.resolve(env.AUTH_PRIVATE_KEY_FILE), 'utf8'));
  return loadOrCreateDevSigningKey(path.resolve(config.dataDir));
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
 * The roster subgraph: places, grids, chiefs and their selection, signboards, trainings and patrols,
 * staff accounts and the token issuer (its public keys at /.well-known/jwks.json).
 */
export const roster = defineService({
  name: 'roster',
  title: 'places, grids, street chiefs, signboards, trainings, patrols; accounts and token issuing',
  port: 4001,
  sdl: rosterSdl,
  resolvers,
  entities: ROSTER_ENTITIES,
  migrations: ROSTER_MIGRATIONS,
  migrationsDir: 'libs/roster/src/migrations',
  produces: ROSTER_EVENTS,
  consumes: [RESIDENTS_READ_MODEL],
  snapshot: (dataSource, outbox, committed) => new RosterSnapshot(dataSource, outbox, committed),
  // The public signboard pages, forwarded by the gateway (ADR 0046).
  pages: [SIGNBOARD_PAGES],
  // Like people's: the seed's memory (password hashes, signboards, its INSERTs) goes with its process.
  seedIn: 'child',
  env: ROSTER_ENV,
  async build({ env, config, dataSource, outbox, committed, logger }) {
    const key = signingKey(env, config);
    const issuer = new TokenIssuer(key, {
      issuer: config.auth.issuer,
      audience: config.auth.audience,
      ttlSeconds: env.AUTH_TOKEN_TTL_SECONDS,
    });
    const accounts = new AccountService(
      dataSource,
      issuer,
      {
        maxFailures: env.LOGIN_MAX_FAILURES,
        windowSeconds: env.LOGIN_WINDOW_SECONDS,
        accountMaxFailures: env.LOGIN_ACCOUNT_MAX_FAILURES,
        accountWindowSeconds: env.LOGIN_ACCOUNT_WINDOW_SECONDS,
      },
      env.AUTH_REFRESH_TTL_SECONDS,
    );
    const signboards = new SignboardService(
      dataSource,
      outbox,
      committed,
      logger.child({ component: 'signboard-refresh' }),
    );
    const places = new PlaceService(dataSource, outbox, committed, signboards);
    const grids = new GridService(dataSource, outbox, signboards, committed);
    const chiefs = new ChiefService(dataSource, outbox, grids, signboards, committed);
    const activities = new ActivityService(dataSource, outbox, committed);
    const rosterRepository = new RosterRepository(dataSource);
    // The public-read cache (ADR 0050): answers to callers without a token, valid for one read
    // generation, which every committed change of a served table bumps in its own transaction.
    const readGeneration = await new ReadGeneration(dataSource, {
      ignoreTables: ['login_throttle', 'refresh_token', 'signboard_refresh', 'signboard_refresh_lock'],
    }).install();
    const readCache = new ReadCache();
    if (env.ROSTER_BOOTSTRAP_ADMIN) await bootstrapAdmin(env, dataSource, accounts, logger);

    return {
      issuer: { signingKey: key },
      plugins: [
        publicReadCachePlugin<RosterContext>({
          store: readCache,
          generation: () => readGeneration.current(),
          isPublic: (ctx) => ctx.principal === null,
        }),
      ],
      exposed: { readCache, readGeneration },
      routes: {
        [`GET ${SIGNBOARD_PAGES}`]: signboardPageRoute({
          signboards,
          request: () => ({ principal: null, loaders: new RosterLoaders(dataSource, rosterRepository) }),
          origin: (req) => env.ROSTER_PUBLIC_URL ?? requestOrigin(req, env.ROSTER_TRUSTED_PROXIES),
          logger: logger.child({ component: 'signboard-page' }),
        }),
      },
      seed: () => seedCaichang(dataSource, { places, accounts, grids, chiefs, signboards }, logger),
      // Refreshes left by a copy that stopped between a change's commit and its refresh (ADR 0026).
      jobs: [{ name: 'signboard-refresh', intervalMs: 1_000, run: () => signboards.settle() }],
      context: ({ principal, req }): RosterContext => ({
        principal,
        clientAddress: clientAddress(req, env.ROSTER_TRUSTED_PROXIES),
        loaders: new RosterLoaders(dataSource, rosterRepository),
        places,
        accounts,
        grids,
        chiefs,
        signboards,
        activities,
      }),
    };
  },
});

/** The roster as started: it issues the tokens, so its signing key and JWKS URL are set. */
export type RunningRoster = RunningService & { signingKey: SigningKey; jwksUrl: string };

/** The started roster with its issuer fields checked. */
export function asRunningRoster(running: RunningService): RunningRoster {
  const { signingKey, jwksUrl } = running;
  if (!signingKey || !jwksUrl) throw new Error(`${running.name} does not issue tokens`);
  return { ...running, signingKey, jwksUrl };
}
