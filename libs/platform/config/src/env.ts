import { z } from 'zod';

/** Raised when the environment does not satisfy a service's schema. The message is one line per variable. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('; '));
    this.name = 'ConfigError';
  }
}

export type Env = Record<string, string | undefined>;

/** Schemas for which an empty value is an error rather than "not set" ({@link envVar.dataDir}). */
const emptyRefused = new WeakSet<z.ZodType>();

/**
 * Parses the environment with a zod object schema whose keys are the variable names.
 * Empty strings count as "not set", so `FOO=` falls back to the default like an unset variable — except
 * for the few variables whose empty value is refused (`DATA_DIR`).
 */
export function parseEnv<S extends z.ZodObject>(schema: S, env: Env = process.env): z.infer<S> {
  const cleaned: Env = {};
  for (const [key, variable] of Object.entries(schema.shape)) {
    const value = env[key]?.trim();
    cleaned[key] = value === '' && !emptyRefused.has(variable as z.ZodType) ? undefined : value;
  }
  const result = schema.safeParse(cleaned);
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`),
    );
  }
  return result.data;
}

/**
 * For a service's main: parse or stop start-up with one clear line naming the variable(s).
 * Never prints values (they may be secrets).
 */
export function loadEnvOrExit<S extends z.ZodObject>(
  schema: S,
  service: string,
  env: Env = process.env,
): z.infer<S> {
  try {
    return parseEnv(schema, env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${service}: invalid configuration: ${error.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw error;
  }
}

/** Why an empty DATA_DIR is refused; also said by {@link dataDir}. */
export const EMPTY_DATA_DIR = 'must not be empty (unset it for the default, .data)';

/** Reusable variable parsers. */
export const envVar = {
  /**
   * The data folder (keys, embedded databases). `DATA_DIR=` is refused instead of taken for unset: it is
   * what an unset shell variable expands to, and read as a path it is the working directory — dev keys
   * written into a checkout.
   */
  dataDir: () => {
    const schema = z.string().min(1, { message: EMPTY_DATA_DIR }).default('.data');
    emptyRefused.add(schema);
    return schema;
  },
  port: (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback),
  bool: (fallback: boolean) =>
    z
      .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'expected true or false' })
      .default(fallback ? 'true' : 'false')
      .transform((v) => v === 'true' || v === '1' || v === 'yes'),
  logLevel: () => z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  nodeEnv: () => z.enum(['development', 'production', 'test']).default('development'),
  /** Comma-separated list, e.g. KAFKA_BROKERS=127.0.0.1:9092,127.0.0.1:9093 */
  list: () =>
    z
      .string()
      .optional()
      .transform((v) =>
        v
          ? v
              .split(',')
              .map((s) => s.trim())
              .filter(Boolean)
          : [],
      ),
  url: () => z.url({ message: 'expected a URL' }),
  /**
   * `mysql://user:pass@host:3306/db` for the real database, `sqlite:<file>` for the embedded one
   * (`sqljs:<file>`, from before node:sqlite, still means the same).
   */
  databaseUrl: () =>
    z
      .string()
      .refine((v) => /^(mysql|mariadb):\/\/.+\/[A-Za-z0-9_]+/.test(v) || /^(sqlite|sqljs):.+/.test(v), {
        message: 'expected mysql://user:password@host:port/database, mariadb://… or sqlite:<file>',
      }),
};

/** This process's environment with `overrides` on top, for a child process (tests, tools). */
export function envForChild(overrides: Env): Env {
  return { ...process.env, ...overrides };
}

/** The process environment over a service's built-in defaults (for the embedded all-in-one app). */
export function envWithDefaults(defaults: Env): Env {
  return { ...defaults, ...process.env };
}
