import path from 'node:path';
import { z } from 'zod';
import { envVar } from '@sc/config';

/** Every setting of the people service, from the environment. See docs/services/people.md. */
export const peopleEnvSchema = z.object({
  NODE_ENV: envVar.nodeEnv(),
  LOG_LEVEL: envVar.logLevel(),
  LOG_PRETTY: envVar.bool(false),
  DATA_DIR: z.string().default('.data'),
  PEOPLE_HOST: z.string().default('0.0.0.0'),
  PEOPLE_PORT: envVar.port(4002),
  /** mysql://… in real mode; sqlite:<file> in embedded mode. Unset: sqlite:<DATA_DIR>/people.sqlite. */
  PEOPLE_DATABASE_URL: envVar.databaseUrl().optional(),
  /** Kafka bootstrap brokers; empty means the in-process bus (embedded mode only). */
  KAFKA_BROKERS: envVar.list(),
  KAFKA_CLIENT_ID: z.string().default('people'),
  /** Consumer group of the grid read model (one group per service; copies share the work). */
  PEOPLE_GRID_CONSUMER_GROUP: z.string().default('people.roster-grids'),
  /** Where the token issuer (roster) publishes its public keys. */
  AUTH_JWKS_URL: envVar.url().default('http://localhost:4001/.well-known/jwks.json'),
  AUTH_ISSUER: z.string().default('street-chief/roster'),
  AUTH_AUDIENCE: z.string().default('street-chief'),
  /**
   * Field encryption keys, `kid:<base64 of 32 bytes>[,kid:…]`, the first encrypts (rotation: put the
   * new key first, re-encrypt, then drop the old). With PEOPLE_BLIND_INDEX_KEY; both unset: dev keys
   * generated into DATA_DIR/keys (refused in production).
   */
  PEOPLE_FIELD_KEYS: z.string().optional(),
  /** HMAC key of the blind indexes (base64, at least 32 bytes). Never rotated with the field keys. */
  PEOPLE_BLIND_INDEX_KEY: z.string().optional(),
  /** Code of the community this deployment serves: COMMUNITY_STAFF need the scope `community:<code>`. */
  PEOPLE_COMMUNITY_CODE: z
    .string()
    .regex(/^[a-z][a-z0-9-]{1,39}$/, 'expected a community code such as caichang')
    .default('caichang'),
  /** Load the Caichang demo population when the database has no resident yet. */
  PEOPLE_SEED_DEMO: envVar.bool(false),
});
export type PeopleEnv = z.infer<typeof peopleEnvSchema>;

/** The database URL in effect: the configured one, or the embedded file under the data folder. */
export function peopleDatabaseUrl(env: PeopleEnv): string {
  return env.PEOPLE_DATABASE_URL ?? `sqlite:${path.join(env.DATA_DIR, 'people.sqlite')}`;
}
