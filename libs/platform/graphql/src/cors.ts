import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';

/**
 * Which browser origins may call a server from another origin (CORS), see ADR 0027. Exact origins
 * only (`scheme://host[:port]`, no paths, no wildcards): an allowed origin may send credentials
 * (cookies, the Authorization header), so a pattern would be one typo away from letting any site
 * act as its visitors.
 */
export interface CorsPolicy {
  /** Allowed origins, normalised (`new URL(o).origin`). Empty: no cross-origin access at all. */
  origins: readonly string[];
  /** How long a browser may cache a preflight answer. Default 600 s. */
  maxAgeSeconds?: number;
}

/** Origins a local frontend runs on during development: Vite (dev and preview) and the common others. */
export const DEVELOPMENT_CORS_ORIGINS: readonly string[] = [
  'http://localhost:5173',
  'http://127.0.0.1:5173',
  'http://localhost:4173',
  'http://127.0.0.1:4173',
  'http://localhost:3000',
  'http://127.0.0.1:3000',
];

/** Request headers a browser app may send cross-origin. */
export const CORS_ALLOWED_HEADERS = [
  'authorization',
  'content-type',
  'apollo-require-preflight',
  'x-apollo-operation-name',
  'apollographql-client-name',
  'apollographql-client-version',
  'x-csrf-token',
] as const;

/** Response headers a browser app may read cross-origin (beyond the CORS-safelisted ones). */
const EXPOSED_HEADERS = 'retry-after';

const METHODS = 'GET, POST, OPTIONS';

/** Normalises one configured origin; throws for anything that is not a bare http(s) origin. */
export function parseOrigin(value: string): string {
  const text = value.trim();
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new Error(`${JSON.stringify(text)} is not an origin (expected e.g. https://app.example.org)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(`${JSON.stringify(text)}: only http and https origins`);
  }
  // `https://a.org/` is the origin written with a slash; a real path, a query or credentials are not.
  if (url.origin !== text.replace(/\/$/, '') || url.username || url.password || url.hostname.includes('*')) {
    throw new Error(`${JSON.stringify(text)} is not a bare origin (no path, query or wildcard)`);
  }
  return url.origin;
}

/**
 * `GATEWAY_CORS_ORIGINS`: comma-separated exact origins. Unset: the development origins when
 * `NODE_ENV=development`, none otherwise (resolved by {@link corsOrigins}). Set but empty: none, in
 * every mode.
 */
export function corsOriginsEnv() {
  return z
    .string()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined) return undefined;
      const items = value
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      const origins: string[] = [];
      for (const item of items) {
        try {
          origins.push(parseOrigin(item));
        } catch (error) {
          ctx.addIssue({ code: 'custom', message: error instanceof Error ? error.message : String(error) });
          return z.NEVER;
        }
      }
      return [...new Set(origins)];
    });
}

/** The origins in effect: the configured ones, or the development defaults in development only. */
export function corsOrigins(configured: readonly string[] | undefined, nodeEnv: string): readonly string[] {
  if (configured !== undefined) return configured;
  return nodeEnv === 'development' ? DEVELOPMENT_CORS_ORIGINS : [];
}

/** The request's `Origin` when the policy allows it, else undefined. */
export function allowedOrigin(req: IncomingMessage, policy: CorsPolicy | undefined): string | undefined {
  const origin = req.headers.origin;
  if (!policy || typeof origin !== 'string') return undefined;
  return policy.origins.includes(origin) ? origin : undefined;
}

/**
 * Adds the CORS headers of an actual (non-preflight) response. Always `Vary: Origin` when a policy
 * exists, so a shared cache never hands one origin's answer to another.
 */
export function applyCorsHeaders(req: IncomingMessage, res: ServerResponse, policy: CorsPolicy | undefined) {
  if (!policy || policy.origins.length === 0) return;
  res.setHeader('vary', 'Origin');
  const origin = allowedOrigin(req, policy);
  if (!origin) return;
  res.setHeader('access-control-allow-origin', origin);
  res.setHeader('access-control-allow-credentials', 'true');
  res.setHeader('access-control-expose-headers', EXPOSED_HEADERS);
}

/**
 * Answers a preflight (`OPTIONS` with `Access-Control-Request-Method`): 204 with the allowed
 * methods and headers for an allowed origin; 403 without any CORS header for any other origin, so
 * the browser refuses the request it was asking about. A bare `OPTIONS` (no preflight) gets 204 with
 * `Allow`. Returns false when the request is not an OPTIONS request.
 */
export function answerPreflight(
  req: IncomingMessage,
  res: ServerResponse,
  policy: CorsPolicy | undefined,
): boolean {
  if (req.method !== 'OPTIONS') return false;
  const requestedMethod = req.headers['access-control-request-method'];
  if (typeof requestedMethod !== 'string' || typeof req.headers.origin !== 'string') {
    res.writeHead(204, { allow: METHODS });
    res.end();
    return true;
  }
  const origin = allowedOrigin(req, policy);
  const requestedHeaders = String(req.headers['access-control-request-headers'] ?? '')
    .split(',')
    .map((h) => h.trim().toLowerCase())
    .filter(Boolean);
  const allowedHeaders = new Set<string>(CORS_ALLOWED_HEADERS);
  const refusedHeader = requestedHeaders.find((h) => !allowedHeaders.has(h));
  const methodOk = ['GET', 'POST'].includes(requestedMethod.toUpperCase());
  if (!origin || !methodOk || refusedHeader !== undefined) {
    const reason = !origin
      ? 'origin not allowed'
      : !methodOk
        ? `method ${requestedMethod} not allowed`
        : `header ${refusedHeader} not allowed`;
    const body = JSON.stringify({
      errors: [{ message: `CORS: ${reason}`, extensions: { code: 'FORBIDDEN' } }],
    });
    res.writeHead(403, {
      vary: 'Origin',
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(body),
    });
    res.end(body);
    return true;
  }
  res.writeHead(204, {
    vary: 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers',
    'access-control-allow-origin': origin,
    'access-control-allow-credentials': 'true',
    'access-control-allow-methods': METHODS,
    'access-control-allow-headers': CORS_ALLOWED_HEADERS.join(', '),
    'access-control-max-age': String(policy?.maxAgeSeconds ?? 600),
  });
  res.end();
  return true;
}
