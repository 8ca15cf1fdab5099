import path from 'node:path';
import { z } from 'zod';
import { envVar } from '@sc/config';

/** Every setting of the roster service, from the environment. See docs/services/roster.md. */
export const rosterEnvSchema = z.object({
  NODE_ENV: envVar.nodeEnv(),
  LOG_LEVEL: envVar.logLevel(),
  LOG_PRETTY: envVar.bool(false),
  DATA_DIR: z.string().default('.data'),
  ROSTER_HOST: z.string().default('0.0.0.0'),
  ROSTER_PORT: envVar.port(4001),
  /** mysql://… (MySQL) or mariadb://… in real mode; sqlite:<file> in embedded mode (default: under DATA_DIR). */
  ROSTER_DATABASE_URL: envVar.databaseUrl().optional(),
  /** Kafka bootstrap brokers; empty means the in-process bus (embedded mode only). */
  KAFKA_BROKERS: envVar.list(),
  KAFKA_CLIENT_ID: z.string().default('roster'),
  /** Published outbox rows are deleted after this many days (unpublished ones never are). */
  OUTBOX_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(7),
  AUTH_ISSUER: z.string().default('street-chief/roster'),
  AUTH_AUDIENCE: z.string().default('street-chief'),
  /** PEM (PKCS#8) private key for signing tokens. Unset: a dev key generated into DATA_DIR/keys. */
  AUTH_PRIVATE_KEY_FILE: z.string().optional(),
  AUTH_TOKEN_TTL_SECONDS: z.coerce
    .number()
    .int()
    .min(60)
    .max(86_400)
    .default(8 * 3600),
  LOGIN_MAX_FAILURES: z.coerce.number().int().min(1).max(100).default(5),
  LOGIN_WINDOW_SECONDS: z.coerce
    .number()
    .int()
    .min(10)
    .max(86_400)
    .default(15 * 60),
  /**
   * First start of a real deployment: create this ADMIN account if there are no accounts yet,
   * with the password read from ROSTER_BOOTSTRAP_ADMIN_PASSWORD_FILE (a secret file).
   */
  ROSTER_BOOTSTRAP_ADMIN: z
    .string()
    .regex(
      /^[A-Za-z0-9._-]{3,40}$/,
      'expected a username of 3–40 letters, digits, dots, dashes or underscores',
    )
    .optional(),
  ROSTER_BOOTSTRAP_ADMIN_PASSWORD_FILE: z.string().optional(),
  /** Load the Caichang demo roster and demo accounts when the database is empty. */
  ROSTER_SEED_DEMO: envVar.bool(false),
});
export type RosterEnv = z.infer<typeof rosterEnvSchema>;

/** The database URL in effect: the configured one, or the embedded file under the data folder. */
export function rosterDatabaseUrl(env: RosterEnv): string {
  return env.ROSTER_DATABASE_URL ?? `sqlite:${path.join(env.DATA_DIR, 'roster.sqlite')}`;
}
