import { z } from 'zod';
import type { Env } from '@sc/config';
import { parseServiceEnv } from '@sc/service';

/**
 * The people service's own settings (beyond those every service has: see `serviceEnvNames` in
 * @sc/service and docs/services/people.md).
 */
export const PEOPLE_ENV = {
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
};
export type PeopleEnv = z.infer<z.ZodObject<typeof PEOPLE_ENV>>;

/** Name, default port and own variables of the service (its definition and the tools share them). */
export const PEOPLE_SERVICE = { name: 'people', port: 4002, env: PEOPLE_ENV } as const;

/** The people service's settings from an environment, for the tools that open its database themselves. */
export function peopleSettings(raw: Env) {
  return parseServiceEnv(PEOPLE_SERVICE, raw);
}
