import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { JwksKeyResolver, TokenVerifier } from '@sc/auth';
import { createLogger, parseEnv } from '@sc/config';
import { readSupergraph, startGateway } from '@sc/gateway';
import type { Listening } from '@sc/graphql';
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
  gateway: Listening;
  db: TestDatabase;
  dataDir: string;
  tokens: TokenMinter;
  stop: () => Promise<void>;
}

/**
 * The real thing on ephemeral ports: the roster subgraph on a fresh MariaDB database publishing to
 * the real Kafka broker, and the gateway in front of it verifying tokens through the roster's JWKS.
 */
export async function startStack(label: string, overrides: Record<string, string> = {}): Promise<Stack> {
  const db = await freshMysqlDatabase(label);
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
  const roster = await startRoster(env, { logger }).catch(async (error: unknown) => {
    await db.drop();
    throw error;
  });
  const gateway = await startGateway({
    supergraphSdl: readSupergraph(),
    subgraphUrls: { roster: `${roster.url}/graphql` },
    verifier: new TokenVerifier(new JwksKeyResolver(roster.jwksUrl), {
      issuer: env.AUTH_ISSUER,
      audience: env.AUTH_AUDIENCE,
    }),
    logger,
    development: false,
    port: 0,
    host: '127.0.0.1',
  }).catch(async (error: unknown) => {
    // Leave nothing running behind a failed start, or jest never exits.
    await roster.close();
    await db.drop();
    throw error;
  });
  return {
    gatewayUrl: `${gateway.url}/graphql`,
    roster,
    gateway,
    db,
    dataDir,
    tokens: tokenMinter(dataDir),
    stop: async () => {
      await gateway.close();
      await roster.close();
      await db.drop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
