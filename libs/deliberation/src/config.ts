import { z } from 'zod';

/** The deliberation service's own settings (beyond those every service has). */
export const DELIBERATION_ENV = {
  /**
   * Key of the ballot slots (base64, ≥ 32 bytes; ADR 0020). Unset: a development key in
   * `<DATA_DIR>/keys/deliberation-ballot-key` (refused in production). Losing it only stops voters from
   * replacing ballots cast before; counts and receipts do not depend on it.
   */
  DELIBERATION_BALLOT_KEY: z.string().optional(),
  /** How often the vote closer looks for votes whose time is up (ms). */
  DELIBERATION_CLOSER_INTERVAL_MS: z.coerce.number().int().min(1000).default(30_000),
};
export type DeliberationEnv = z.infer<z.ZodObject<typeof DELIBERATION_ENV>>;

/** Name, default port and own variables of the service. */
export const DELIBERATION_SERVICE = { name: 'deliberation', port: 4004, env: DELIBERATION_ENV } as const;
