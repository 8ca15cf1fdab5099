import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { JwksKeyResolver, TokenVerifier } from '@sc/auth';
import { createLogger } from '@sc/config';
import { type GatewayOptions, readSupergraph, startGateway } from '@sc/gateway';
import type { Listening } from '@sc/graphql';
import type { RunningPeople } from '@sc/people';
import { type RunningRoster, asRunningRoster } from '@sc/roster';
import type { RunningService } from '@sc/service';
import type { DataSource } from 'typeorm';
import { gatewayPages, SERVICES, supergraphFiles } from '@sc/services';
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
  /** Every registered service, by name. */
  services: Record<string, RunningService>;
  roster: RunningRoster;
  people: RunningPeople;
  gateway: Listening;
  /** Each service's database, by service name. */
  dbs: Record<string, TestDatabase>;
  /** The roster's database. */
  db: TestDatabase;
  peopleDb: TestDatabase;
  dataDir: string;
  /**
   * This stack's `KAFKA_TOPIC_PREFIX`: its services publish and consume only their own topics, so a
   * stack never reads what earlier stacks of the suite published (pass it to event probes).
   */
  topicPrefix: string;
  /** The brokers the services publish to and consume from. */
  brokers: string[];
  tokens: TokenMinter;
  stop: () => Promise<void>;
}

/**
 * The real thing on ephemeral ports: every registered service on a fresh MariaDB database of its
 * own, publishing to and consuming from the real Kafka broker (consumer groups of this stack only),
 * and the gateway in front verifying tokens through the issuer's JWKS. The roster loads its demo
 * roster; `env` adds variables per service, e.g. `{ people: { PEOPLE_SEED_DEMO: 'true' } }`.
 */
export async function startStack(
  label: string,
  env: Record<string, Record<string, string>> = {},
  options: {
    /** `false`: serve at once, without waiting for the read models (specs that need none). */
    readModels?: boolean;
    /** More options of the gateway (CORS, cookie sessions). */
    gateway?: Pick<GatewayOptions, 'cors' | 'cookieSessions'>;
    /** A broker of the spec's own (e.g. one it stops and restarts); default the shared TEST_KAFKA_BROKERS. */
    brokers?: string[];
    /** A clock per service name that the spec moves (e.g. the cases sweeper's); default the system clock. */
    clocks?: Record<string, () => Date>;
  } = {},
): Promise<Stack> {
  const brokers = options.brokers ?? TEST_KAFKA_BROKERS;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `sc-${label}-`));
  const logger = createLogger({ service: label, level: TEST_LOG_LEVEL });
  const dbs: Record<string, TestDatabase> = {};
  const running: RunningService[] = [];
  const topicPrefix = `sc-e2e.${label.replace(/[^A-Za-z0-9-]/g, '-').slice(0, 30)}.${randomBytes(3).toString('hex')}.`;
  let gateway: Listening | undefined;
  const stopAll = async () => {
    await gateway?.close();
    // The services are independent once the gateway is gone: stop them together (each waits for
    // its Kafka consumers' fetches in flight).
    await Promise.all(running.splice(0).map((s) => s.close()));
    for (const db of Object.values(dbs)) await db.drop();
    await deleteTopics(brokers, topicPrefix);
    fs.rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    let keys: JwksKeyResolver | undefined;
    for (const service of SERVICES) {
      const db = await freshMysqlDatabase(`${label}_${service.name}`);
      dbs[service.name] = db;
      const prefix = service.name.toUpperCase().replace(/[^A-Z0-9]+/g, '_');
      const started = await service.start({
        env: {
          NODE_ENV: 'test',
          DATA_DIR: dataDir,
          KAFKA_BROKERS: brokers.join(','),
          // One consumer group per stack: each stack's read models are built from the whole topics.
          KAFKA_GROUP_SUFFIX: `.${db.name}`.slice(0, 40),
          KAFKA_TOPIC_PREFIX: topicPrefix,
          [`${prefix}_HOST`]: '127.0.0.1',
          [`${prefix}_PORT`]: '0',
          [`${prefix}_DATABASE_URL`]: db.url,
          ...(service.name === 'roster' ? { ROSTER_SEED_DEMO: 'true' } : {}),
          ...env[service.name],
        },
        logger,
        keyResolver: keys,
        ...(options.clocks?.[service.name] ? { clock: options.clocks[service.name] } : {}),
      });
      running.push(started);
      if (started.jwksUrl) keys = new JwksKeyResolver(started.jwksUrl);
    }
    if (!keys) throw new Error('no registered service issues tokens');
    const services = Object.fromEntries(running.map((s) => [s.name, s]));
    if (options.readModels !== false) await readModelsCaughtUp(services);
    gateway = await startGateway({
      supergraphSdl: readSupergraph(...supergraphFiles()),
      subgraphUrls: Object.fromEntries(running.map((s) => [s.name, `${s.url}/graphql`])),
      verifier: new TokenVerifier(keys, { issuer: 'street-chief/roster', audience: 'street-chief' }),
      logger,
      development: false,
      port: 0,
      host: '127.0.0.1',
      pages: gatewayPages(),
      ...options.gateway,
    });
    const need = (name: string) => {
      const s = services[name];
      if (!s) throw new Error(`service ${name} did not start`);
      return s;
    };
    return {
      gatewayUrl: `${gateway.url}/graphql`,
      services,
      roster: asRunningRoster(need('roster')),
      people: need('people') as RunningPeople,
      gateway,
      dbs,
      db: dbs['roster'] as TestDatabase,
      peopleDb: dbs['people'] as TestDatabase,
      dataDir,
      topicPrefix,
      brokers,
      tokens: tokenMinter(dataDir),
      stop: stopAll,
    };
  } catch (error) {
    // Leave nothing running behind a failed start, or jest never exits.
    await stopAll();
    throw error;
  }
}

/**
 * How long a read model may take to catch up with its producer. Each stack has topics of its own
 * (KAFKA_TOPIC_PREFIX), so this is the time to read this stack's seeds, not the suite's history.
 */
const CATCH_UP_MS = 120_000;

/**
 * Waits until each service's read models hold what the others' seeds announced through Kafka:
 * people's `roster_place` every roster place, the roster's `people_resident` every resident of
 * people (ids only).
 */
async function readModelsCaughtUp(services: Record<string, RunningService>): Promise<void> {
  const roster = services['roster']?.dataSource;
  const people = services['people']?.dataSource;
  if (!roster || !people) return;
  const pairs: [DataSource, string, DataSource, string][] = [
    [roster, 'SELECT id FROM place', people, 'roster_place'],
    [people, "SELECT id FROM resident WHERE status = 'ACTIVE'", roster, 'people_resident'],
  ];
  for (const [source, sql, target, table] of pairs) {
    const ids = ((await source.query(sql)) as { id: string }[]).map((r) => r.id);
    const deadline = Date.now() + CATCH_UP_MS;
    for (let i = 0; i < ids.length;) {
      const chunk = ids.slice(i, i + 1000);
      const [row] = (await target.query(
        `SELECT COUNT(*) AS n FROM ${table} WHERE id IN (${chunk.map(() => '?').join(',')})`,
        chunk,
      )) as { n: number | string }[];
      if (Number(row?.n) === chunk.length) {
        i += chunk.length;
        continue;
      }
      if (Date.now() > deadline)
        throw new Error(`${table} did not catch up with its producer within ${CATCH_UP_MS / 1000} s`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** Deletes the topics of a stack (best effort: a broker that is down leaves them, which is harmless). */
async function deleteTopics(brokers: string[], prefix: string): Promise<void> {
  const kafka = new Kafka({ clientId: 'e2e-stack', brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  try {
    await admin.connect();
    const topics = (await admin.listTopics()).filter((t) => t.startsWith(prefix));
    if (topics.length > 0) await admin.deleteTopics({ topics, timeout: 10_000 });
  } catch {
    // best effort
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}
