import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { JwksKeyResolver, TokenVerifier } from '@sc/auth';
import { createLogger, parseEnv } from '@sc/config';
import { readSupergraph, startGateway } from '@sc/gateway';
import type { Listening } from '@sc/graphql';
import { peopleEnvSchema, startPeople, type RunningPeople } from '@sc/people';
import { rosterEnvSchema, startRoster, type RunningRoster } from '@sc/roster';
import {
  freshMysqlDatabase,
  TEST_KAFKA_BROKERS,
  tokenMinter,
  TEST_LOG_LEVEL,
  type TestDatabase,
  type TokenMinter,
} from '@sc/testing';

export interface Stack {
  gatewayUrl: string;
  roster: RunningRoster;
  people: RunningPeople;
  gateway: Listening;
  /** The roster's database. */
  db: TestDatabase;
  peopleDb: TestDatabase;
  dataDir: string;
  tokens: TokenMinter;
  stop: () => Promise<void>;
}

export interface StackOptions {
  /** Environment overrides of the people service, e.g. `{ PEOPLE_SEED_DEMO: 'true' }`. */
  people?: Record<string, string>;
}

/**
 * The real thing on ephemeral ports: the roster and people subgraphs, each on a fresh MariaDB
 * database publishing to (and people consuming from) the real Kafka broker, and the gateway in
 * front of them verifying tokens through the roster's JWKS. `overrides` apply to the roster's
 * environment; the people service starts empty unless `options.people` asks for the demo.
 */
export async function startStack(
  label: string,
  overrides: Record<string, string> = {},
  options: StackOptions = {},
): Promise<Stack> {
  const db = await freshMysqlDatabase(label);
  const peopleDb = await freshMysqlDatabase(`${label}_people`);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `sc-${label}-`));
  const logger = createLogger({ service: label, level: TEST_LOG_LEVEL });
  const env = parseEnv(rosterEnvSchema, {
    NODE_ENV: 'test',
    DATA_DIR: dataDir,
    ROSTER_HOST: '127.0.0.1',
    ROSTER_PORT: '0',
    ROSTER_DATABASE_URL: db.url,
    KAFKA_BROKERS: TEST_KAFKA_BROKERS.join(','),
    ROSTER_SEED_DEMO: 'true',
    ...overrides,
  });
  const dropAll = async () => {
    await db.drop();
    await peopleDb.drop();
  };
  const roster = await startRoster(env, { logger }).catch(async (error: unknown) => {
    await dropAll();
    throw error;
  });
  const keys = new JwksKeyResolver(roster.jwksUrl);
  const peopleEnv = parseEnv(peopleEnvSchema, {
    NODE_ENV: 'test',
    DATA_DIR: dataDir,
    PEOPLE_HOST: '127.0.0.1',
    PEOPLE_PORT: '0',
    PEOPLE_DATABASE_URL: peopleDb.url,
    KAFKA_BROKERS: TEST_KAFKA_BROKERS.join(','),
    // One consumer group per stack: each stack's read model is built from the whole topic.
    PEOPLE_GRID_CONSUMER_GROUP: `people.roster-grids.${peopleDb.name}`,
    ...options.people,
  });
  const people = await startPeople(peopleEnv, { logger, keyResolver: keys }).catch(async (error: unknown) => {
    await roster.close();
    await dropAll();
    throw error;
  });
  const gateway = await startGateway({
    supergraphSdl: readSupergraph(),
    subgraphUrls: { roster: `${roster.url}/graphql`, people: `${people.url}/graphql` },
    verifier: new TokenVerifier(keys, { issuer: env.AUTH_ISSUER, audience: env.AUTH_AUDIENCE }),
    logger,
    development: false,
    port: 0,
    host: '127.0.0.1',
  }).catch(async (error: unknown) => {
    // Leave nothing running behind a failed start, or jest never exits.
    await people.close();
    await roster.close();
    await dropAll();
    throw error;
  });
  return {
    gatewayUrl: `${gateway.url}/graphql`,
    roster,
    people,
    gateway,
    db,
    peopleDb,
    dataDir,
    tokens: tokenMinter(dataDir),
    stop: async () => {
      await gateway.close();
      await people.close();
      await roster.close();
      await dropAll();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
