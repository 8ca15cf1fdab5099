import { z } from 'zod';
import { trustedProxiesEnv } from '@sc/graphql';

/**
 * The roster's own settings (beyond those every service has: see `serviceEnvNames` in @sc/service and
 * docs/services/roster.md).
 */
export const ROSTER_ENV = {
  /** PEM (PKCS#8) private key for signing tokens. Unset: a dev key generated into DATA_DIR/keys. */
  AUTH_PRIVATE_KEY_FILE: z.string().optional(),
  AUTH_TOKEN_TTL_SECONDS: z.coerce
    .number()
    .int()
    .min(60)
    .max(86_400)
    .default(8 * 3600),
  /** Lifetime of a refresh token (ADR 0027); every refresh starts a new one. Default 14 days. */
  AUTH_REFRESH_TTL_SECONDS: z.coerce
    .number()
    .int()
    .min(300)
    .max(90 * 86_400)
    .default(14 * 86_400),
  LOGIN_MAX_FAILURES: z.coerce.number().int().min(1).max(100).default(5),
  LOGIN_WINDOW_SECONDS: z.coerce
    .number()
    .int()
    .min(10)
    .max(86_400)
    .default(15 * 60),
  /** Failed logins per username from all addresses together, per account window (ASVS: ≤ 100 an hour). */
  LOGIN_ACCOUNT_MAX_FAILURES: z.coerce.number().int().min(1).max(10_000).default(100),
  LOGIN_ACCOUNT_WINDOW_SECONDS: z.coerce.number().int().min(10).max(86_400).default(3600),
  /**
   * Peers whose X-Forwarded-For names the client (the gateway, in a deployment): `loopback`,
   * `private`, addresses, networks. Empty: the client is the connection's peer.
   */
  ROSTER_TRUSTED_PROXIES: trustedProxiesEnv(),
  /**
   * The public URL the signboard pages are reached at (the gateway's, e.g. `https://chief.example.org`),
   * for the QR code of each page (ADR 0046). Unset: the origin the request addressed (from the
   * gateway's X-Forwarded-Host/-Proto when the gateway is a trusted proxy).
   */
  ROSTER_PUBLIC_URL: z
    .url({ protocol: /^https?$/ })
    .transform((u) => u.replace(/\/+$/, ''))
    .optional(),
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
};
export type RosterEnv = z.infer<z.ZodObject<typeof ROSTER_ENV>>;
