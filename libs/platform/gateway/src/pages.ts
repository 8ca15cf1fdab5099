import fs from 'node:fs';
import path from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import type { Logger } from '@sc/config';
import { clientAddress, requestOrigin, type RouteHandler, type TrustedProxies } from '@sc/graphql';

/** Public pages by GET route pattern (`/signboards/*`) → the subgraph that serves them. */
export type GatewayPages = Record<string, string>;

const pagesSchema = z.record(z.string().regex(/^\/[A-Za-z0-9/_-]*(\/\*)?$/), z.string().min(1));

/** Reads `pages.json` (written by `npm run supergraph`) from the first of `candidates` that exists. */
export function readGatewayPages(...candidates: string[]): GatewayPages {
  const files = candidates.map((f) => path.resolve(f));
  const file = files.find((f) => fs.existsSync(f));
  if (!file) throw new Error(`pages.json not found (looked at ${files.join(', ')}); run npm run supergraph`);
  return pagesSchema.parse(JSON.parse(fs.readFileSync(file, 'utf8')));
}

/** Response headers of a page passed on to the browser (nothing that names the service's host). */
const PASSED_ON = [
  'content-type',
  'content-language',
  'cache-control',
  'content-security-policy',
  'x-content-type-options',
  'referrer-policy',
  'last-modified',
  'etag',
];

/**
 * A public page served by a subgraph, at the gateway's URL (ADR 0046): the request goes to the
 * subgraph's own server (same path and query) with the caller's address and the origin it used
 * (`X-Forwarded-For`/`-Host`/`-Proto`, which the service believes from a trusted proxy only), and the
 * answer comes back with its status and content headers. No token is passed: public pages are public.
 */
export function forwardPage(
  subgraph: string,
  baseUrl: () => string | undefined,
  trusted: TrustedProxies,
  log: Logger,
): RouteHandler {
  return async (req: IncomingMessage, res: ServerResponse) => {
    const base = baseUrl();
    const send = (status: number, text: string) => {
      res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(text);
    };
    if (!base) return send(502, 'Bad gateway');
    // Path and query only, onto the subgraph's origin: a request target such as `//elsewhere/…` must
    // never pick the host the gateway calls.
    const asked = new URL(req.url ?? '/', 'http://gateway.invalid');
    const target = new URL(base);
    target.pathname = asked.pathname;
    target.search = asked.search;
    const origin = new URL(requestOrigin(req, trusted));
    let answer: Response;
    try {
      answer = await fetch(target, {
        headers: {
          accept: String(req.headers.accept ?? 'text/html'),
          ...(req.headers['accept-language']
            ? { 'accept-language': String(req.headers['accept-language']) }
            : {}),
          'x-forwarded-for': clientAddress(req, trusted),
          'x-forwarded-host': origin.host,
          'x-forwarded-proto': origin.protocol.replace(':', ''),
        },
        redirect: 'manual',
        signal: AbortSignal.timeout(10_000),
      });
    } catch (error) {
      log.warn({ err: error, subgraph }, 'page request to the subgraph failed');
      return send(502, 'Bad gateway');
    }
    const body = Buffer.from(await answer.arrayBuffer());
    const headers: Record<string, string> = { 'content-length': String(body.length) };
    for (const name of PASSED_ON) {
      const value = answer.headers.get(name);
      if (value !== null) headers[name] = value;
    }
    res.writeHead(answer.status, headers);
    res.end(body);
  };
}
