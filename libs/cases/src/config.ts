import { z } from 'zod';
import type { Env } from '@sc/config';
import { parseServiceEnv } from '@sc/service';

/**
 * The cases service's own settings (beyond those every service has: see `serviceEnvNames` in
 * @sc/service and docs/services/cases.md).
 */
export const CASES_ENV = {
  /** Code of the community this deployment serves: COMMUNITY_STAFF need the scope `community:<code>`. */
  CASES_COMMUNITY_CODE: z
    .string()
    .regex(/^[a-z][a-z0-9-]{1,39}$/, 'expected a community code such as caichang')
    .default('caichang'),
  /** Share of the time to a deadline after which the sweeper warns (0.5–0.99, default 0.8). */
  CASES_WARN_AT: z.coerce.number().min(0.5).max(0.99).default(0.8),
  /** Working days a case may be past its resolve deadline before the sweeper escalates it to the town. */
  CASES_ESCALATE_AFTER_WORKING_DAYS: z.coerce.number().int().min(1).max(60).default(2),
  /** Days a resolved request waits for the reporter's rating before it closes as "no rating". */
  CASES_AUTO_CLOSE_DAYS: z.coerce.number().int().min(1).max(60).default(7),
  /** Pause between two sweeps, in milliseconds. */
  CASES_SWEEP_INTERVAL_MS: z.coerce.number().int().min(1000).max(3_600_000).default(60_000),
  /**
   * Encryption keys of contact data the cases service keeps itself (the poster of an Open311 request),
   * `kid:<base64 of 32 bytes>[,…]` as PEOPLE_FIELD_KEYS. With CASES_CONTACT_BLIND_INDEX_KEY; both
   * unset: dev keys generated into DATA_DIR/keys/cases-contact-keys.json (refused in production).
   */
  CASES_CONTACT_KEYS: z.string().optional(),
  /** HMAC key (base64, at least 32 bytes) that goes with CASES_CONTACT_KEYS. */
  CASES_CONTACT_BLIND_INDEX_KEY: z.string().optional(),
  /** POSTs per minute a new Open311 client may make (each client's own figure can be set by ADMIN). */
  CASES_OPEN311_RATE_PER_MINUTE: z.coerce.number().int().min(1).max(10_000).default(60),
};
export type CasesEnv = z.infer<z.ZodObject<typeof CASES_ENV>>;

/** Name, default port and own variables of the service (its definition and the tools share them). */
export const CASES_SERVICE = { name: 'cases', port: 4003, env: CASES_ENV } as const;

/** The cases service's settings from an environment, for tools that open its database themselves. */
export function casesSettings(raw: Env) {
  return parseServiceEnv(CASES_SERVICE, raw);
}
