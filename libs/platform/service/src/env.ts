import { z } from 'zod';
import { ConfigError, type Env, envVar, parseEnv } from '@sc/config';

/** The settings every service has, normalised from its environment (see {@link serviceEnvShape}). */
export interface ServiceConfig {
  nodeEnv: 'development' | 'production' | 'test';
  logLevel: string;
  logPretty: boolean;
  /** Data folder: embedded databases and development keys. */
  dataDir: string;
  host: string;
  port: number;
  /** The database in effect: the configured URL, or the embedded file under the data folder. */
  databaseUrl: string;
  /** Load the Caichang demo data when the database is empty. */
  seedDemo: boolean;
  kafkaBrokers: string[];
  kafkaClientId: string;
  /** Appended to every consumer group of the service (one group per deployment, or per test stack). */
  kafkaGroupSuffix: string;
  /**
   * Put before every topic the service publishes to and consumes from (a namespace in a shared
   * cluster: `staging.`, or one per test stack); empty in production. Handlers see the topic's own name.
   */
  kafkaTopicPrefix: string;
  /** Published outbox rows are deleted after this many days (unpublished ones never are). */
  outboxRetentionDays: number;
  auth: { jwksUrl: string; issuer: string; audience: string };
}

/** `roster` → `ROSTER`, `county-feed` → `COUNTY_FEED`: the prefix of a service's own variables. */
export function envPrefix(service: string): string {
  return service.toUpperCase().replace(/[^A-Z0-9]+/g, '_');
}

/** The variables shared by every service of a deployment (Kafka, auth, logging, data folder). */
export const SHARED_ENV_SHAPE = {
  NODE_ENV: envVar.nodeEnv(),
  LOG_LEVEL: envVar.logLevel(),
  LOG_PRETTY: envVar.bool(false),
  DATA_DIR: envVar.dataDir(),
  /** Kafka bootstrap brokers; empty means the in-process bus (embedded mode only). */
  KAFKA_BROKERS: envVar.list(),
  /** Kafka client id; default: the service name. */
  KAFKA_CLIENT_ID: z.string().optional(),
  KAFKA_GROUP_SUFFIX: z
    .string()
    .regex(/^[A-Za-z0-9._-]{0,40}$/, 'expected up to 40 letters, digits, dots, dashes or underscores')
    .default(''),
  KAFKA_TOPIC_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9._-]{0,60}$/, 'expected up to 60 letters, digits, dots, dashes or underscores')
    .default(''),
  OUTBOX_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(7),
  /** Where the token issuer (roster) publishes its public keys. */
  AUTH_JWKS_URL: envVar.url().default('http://localhost:4001/.well-known/jwks.json'),
  AUTH_ISSUER: z.string().default('street-chief/roster'),
  AUTH_AUDIENCE: z.string().default('street-chief'),
};

/** The variables of one service, with its prefix: `ROSTER_HOST`, `ROSTER_PORT`, … */
export function prefixedEnvShape(service: string, defaultPort: number) {
  const p = envPrefix(service);
  return {
    host: [`${p}_HOST`, z.string().default('0.0.0.0')],
    port: [`${p}_PORT`, envVar.port(defaultPort)],
    /** mysql://… or mariadb://… in real mode; sqlite:<file> in embedded mode (default: under DATA_DIR). */
    databaseUrl: [`${p}_DATABASE_URL`, envVar.databaseUrl().optional()],
    seedDemo: [`${p}_SEED_DEMO`, envVar.bool(false)],
  } as const;
}

/** Every variable a service reads, for documentation and checks: shared, prefixed and its own. */
export function serviceEnvNames(service: { name: string; port: number; env: z.ZodRawShape }): string[] {
  return [
    ...Object.keys(SHARED_ENV_SHAPE),
    ...Object.values(prefixedEnvShape(service.name, service.port)).map(([name]) => name),
    ...Object.keys(service.env),
  ];
}

/** Parses a service's environment: the shared shape plus the service's own variables. */
export function parseServiceEnv<TShape extends z.ZodRawShape>(
  service: { name: string; port: number; env: TShape },
  raw: Env,
): { config: ServiceConfig; env: z.infer<z.ZodObject<TShape>> } {
  const prefixed = prefixedEnvShape(service.name, service.port);
  const own = z.object({
    [prefixed.host[0]]: prefixed.host[1],
    [prefixed.port[0]]: prefixed.port[1],
    [prefixed.databaseUrl[0]]: prefixed.databaseUrl[1],
    [prefixed.seedDemo[0]]: prefixed.seedDemo[1],
  });
  const problems: string[] = [];
  const attempt = <T>(parse: () => T): T | undefined => {
    try {
      return parse();
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      problems.push(...error.problems);
      return undefined;
    }
  };
  const shared = attempt(() => parseEnv(z.object(SHARED_ENV_SHAPE), raw));
  const mine = attempt(() => parseEnv(own, raw));
  const ownEnv = attempt(() => parseEnv(z.object(service.env), raw));
  if (problems.length > 0 || !shared || !mine || !ownEnv) throw new ConfigError(problems);
  const dataDir = shared.DATA_DIR;
  const databaseUrl = mine[prefixed.databaseUrl[0]];
  return {
    config: {
      nodeEnv: shared.NODE_ENV,
      logLevel: shared.LOG_LEVEL,
      logPretty: shared.LOG_PRETTY,
      dataDir,
      host: String(mine[prefixed.host[0]]),
      port: Number(mine[prefixed.port[0]]),
      databaseUrl: typeof databaseUrl === 'string' ? databaseUrl : `sqlite:${dataDir}/${service.name}.sqlite`,
      seedDemo: mine[prefixed.seedDemo[0]] === true,
      kafkaBrokers: shared.KAFKA_BROKERS,
      kafkaClientId: shared.KAFKA_CLIENT_ID ?? service.name,
      kafkaGroupSuffix: shared.KAFKA_GROUP_SUFFIX,
      kafkaTopicPrefix: shared.KAFKA_TOPIC_PREFIX,
      outboxRetentionDays: shared.OUTBOX_RETENTION_DAYS,
      auth: { jwksUrl: shared.AUTH_JWKS_URL, issuer: shared.AUTH_ISSUER, audience: shared.AUTH_AUDIENCE },
    },
    env: ownEnv,
  };
}
