import { z } from 'zod';
import { envVar } from '@sc/config';
import { trustedProxiesEnv } from '@sc/graphql';

/** Settings of the gateway, from the environment. See docs/services/gateway.md. */
export const gatewayEnvSchema = z.object({
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
  /** The composed supergraph; by default the one committed at apps/gateway/supergraph.graphql. */
  SUPERGRAPH_FILE: z.string().optional(),
  /** Where the token issuer (roster) publishes its public keys. */
  AUTH_JWKS_URL: envVar.url().default('http://localhost:4001/.well-known/jwks.json'),
  AUTH_ISSUER: z.string().default('street-chief/roster'),
  AUTH_AUDIENCE: z.string().default('street-chief'),
  /** Subgraph URL overrides; unset means the URL written in the supergraph. */
  ROSTER_URL: envVar.url().optional(),
  PEOPLE_URL: envVar.url().optional(),
});
export type GatewayEnv = z.infer<typeof gatewayEnvSchema>;
