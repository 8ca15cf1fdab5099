import { z } from 'zod';
import { type Env, envVar, parseEnv } from '@sc/config';
import { corsOrigins, corsOriginsEnv, type CorsPolicy, trustedProxiesEnv } from '@sc/graphql';
import type { CookieSessionOptions } from './sessions';
import { supergraphSubgraphs } from './supergraph';

/** Settings of the gateway, from the environment. See docs/services/gateway.md. */
export const gatewayEnvSchema = z
  .object({
    NODE_ENV: envVar.nodeEnv(),
    LOG_LEVEL: envVar.logLevel(),
    LOG_PRETTY: envVar.bool(false),
    GATEWAY_HOST: z.string().default('0.0.0.0'),
    GATEWAY_PORT: envVar.port(4000),
    /**
     * Proxies (load balancers) in front of the gateway whose X-Forwarded-For is believed: `loopback`,
     * `private`, addresses, networks. Empty: the client is the connection's peer.
     */
    GATEWAY_TRUSTED_PROXIES: trustedProxiesEnv(),
    /**
     * Browser origins allowed to call the gateway from another origin (CORS), comma-separated exact
     * origins such as `https://chief.example.org`. Unset: the localhost dev-server origins in
     * development, none otherwise; set but empty: none.
     */
    GATEWAY_CORS_ORIGINS: corsOriginsEnv(),
    /**
     * Merge identical in-flight subgraph queries of the same caller (ADR 0035); `false` only to measure
     * what it saves.
     */
    GATEWAY_DEDUPLICATE_INFLIGHT: envVar.bool(true),
    /** The composed supergraph; by default the one shipped with the gateway app. */
    SUPERGRAPH_FILE: z.string().optional(),
    /** Where the token issuer (roster) publishes its public keys. */
    AUTH_JWKS_URL: envVar.url().default('http://localhost:4001/.well-known/jwks.json'),
    AUTH_ISSUER: z.string().default('street-chief/roster'),
    AUTH_AUDIENCE: z.string().default('street-chief'),
    /**
     * The cookie session for same-site browser apps: `POST /session`, `/session/refresh`,
     * `/session/logout` and the access cookie on `/graphql` with a CSRF token (ADR 0044).
     */
    GATEWAY_COOKIE_SESSIONS: envVar.bool(true),
    /**
     * `Secure` on the session cookies. `false` only with NODE_ENV=development, for an app on
     * http://localhost (browsers keep Secure cookies of https origins and of localhost only).
     */
    GATEWAY_COOKIE_SECURE: envVar.bool(true),
  })
  .superRefine((env, ctx) => {
    if (!env.GATEWAY_COOKIE_SECURE && env.NODE_ENV !== 'development') {
      ctx.addIssue({
        code: 'custom',
        path: ['GATEWAY_COOKIE_SECURE'],
        message: 'false only with NODE_ENV=development (session cookies over plain http are for localhost)',
      });
    }
  });
export type GatewayEnv = z.infer<typeof gatewayEnvSchema>;

/**
 * Subgraph URLs: `<NAME>_URL` (e.g. `ROSTER_URL`) for every subgraph the supergraph names, the URL
 * written in the supergraph when unset. The gateway knows no service by name: the supergraph, composed
 * from the registry, says which there are.
 */
export function subgraphUrls(supergraphSdl: string, env: Env): Record<string, string> {
  const subgraphs = supergraphSubgraphs(supergraphSdl);
  const variable = (name: string) => `${name.toUpperCase().replace(/[^A-Z0-9]+/g, '_')}_URL`;
  const schema = z.object(
    Object.fromEntries(subgraphs.map((s) => [variable(s.name), envVar.url().optional()])),
  );
  const overrides: Record<string, unknown> = parseEnv(schema, env);
  return Object.fromEntries(
    subgraphs.map((s) => {
      const override = overrides[variable(s.name)];
      return [s.name, typeof override === 'string' ? override : s.url];
    }),
  );
}

/** The gateway's cookie-session settings (see `GATEWAY_COOKIE_SESSIONS`); undefined when off. */
export function gatewayCookieSessions(
  env: Pick<GatewayEnv, 'GATEWAY_COOKIE_SESSIONS' | 'GATEWAY_COOKIE_SECURE'>,
): CookieSessionOptions | undefined {
  return env.GATEWAY_COOKIE_SESSIONS ? { secure: env.GATEWAY_COOKIE_SECURE } : undefined;
}

/** The gateway's CORS policy from its settings (see `GATEWAY_CORS_ORIGINS`). */
export function gatewayCors(env: Pick<GatewayEnv, 'GATEWAY_CORS_ORIGINS' | 'NODE_ENV'>): CorsPolicy {
  return { origins: corsOrigins(env.GATEWAY_CORS_ORIGINS, env.NODE_ENV) };
}
