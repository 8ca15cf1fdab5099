import http from 'node:http';
import https from 'node:https';
import type { RemoteGraphQLDataSource } from '@apollo/gateway';

type Fetcher = RemoteGraphQLDataSource['fetcher'];
type FetcherInit = Parameters<Fetcher>[1];
type FetcherResult = Awaited<ReturnType<Fetcher>>;

/** Statuses whose response has no body (a `Response` refuses one). */
const NULL_BODY_STATUSES = new Set([101, 204, 205, 304]);

/**
 * A subgraph's answer, read whole: what the data source and {@link mergingFetcher} use of a fetch
 * `Response` (status, headers, `text`/`json`), without the web streams behind one (ADR 0053).
 */
class ReadResponse {
  readonly redirected = false;
  private used = false;
  constructor(
    readonly url: string,
    readonly status: number,
    readonly statusText: string,
    readonly headers: Headers,
    private readonly body: string,
  ) {}
  get ok(): boolean {
    return this.status >= 200 && this.status < 300;
  }
  get bodyUsed(): boolean {
    return this.used;
  }
  private take(): string {
    if (this.used) throw new TypeError('Body is unusable: Body has already been read');
    this.used = true;
    return this.body;
  }
  text(): Promise<string> {
    try {
      return Promise.resolve(this.take());
    } catch (error) {
      return Promise.reject(error as Error);
    }
  }
  async json(): Promise<unknown> {
    return JSON.parse(await this.text()) as unknown;
  }
  async arrayBuffer(): Promise<ArrayBuffer> {
    const bytes = Buffer.from(await this.text(), 'utf8');
    return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  }
  clone(): ReadResponse {
    if (this.used) throw new TypeError('Response.clone: Body has already been consumed.');
    return new ReadResponse(this.url, this.status, this.statusText, new Headers(this.headers), this.body);
  }
}

const parsedUrls = new Map<string, URL>();
function parsedUrl(url: string): URL {
  let u = parsedUrls.get(url);
  if (!u) {
    u = new URL(url);
    // The subgraphs' URLs: a handful, from the configuration.
    if (parsedUrls.size < 100) parsedUrls.set(url, u);
  }
  return u;
}

/**
 * One request over node:http with a keep-alive agent. Like Node's fetch it retires an idle socket a
 * second before the server's announced `Keep-Alive: timeout` (Node's agent reads that hint, ADR 0029),
 * and a refused or reset connection fails with the socket's error code (`ECONNRESET`, `ECONNREFUSED`…).
 */
function httpSend(agents: { http: http.Agent; https: https.Agent }, url: string, init: FetcherInit) {
  const u = parsedUrl(url);
  const secure = u.protocol === 'https:';
  return new Promise<FetcherResult>((resolve, reject) => {
    const signal = init?.signal as AbortSignal | undefined;
    if (signal?.aborted) {
      reject(signal.reason as Error);
      return;
    }
    const options: http.RequestOptions = {
      agent: secure ? agents.https : agents.http,
      protocol: u.protocol,
      hostname: u.hostname.replace(/^\[(.*)\]$/, '$1'),
      port: u.port || (secure ? 443 : 80),
      path: `${u.pathname}${u.search}`,
      method: init?.method ?? 'GET',
      // A length, as fetch sends it (node:http would otherwise send the body chunked).
      headers:
        init?.body === undefined
          ? init?.headers
          : { ...init.headers, 'content-length': String(Buffer.byteLength(init.body)) },
      ...(signal ? { signal } : {}),
    };
    const req = (secure ? https : http).request(options, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => {
        const headers = new Headers();
        const raw = res.rawHeaders;
        for (let i = 0; i + 1 < raw.length; i += 2) headers.append(raw[i] as string, raw[i + 1] as string);
        const status = res.statusCode ?? 0;
        const body = NULL_BODY_STATUSES.has(status) ? '' : Buffer.concat(chunks).toString('utf8');
        resolve(
          new ReadResponse(url, status, res.statusMessage ?? '', headers, body) as unknown as FetcherResult,
        );
      });
    });
    req.on('error', reject);
    req.end(init?.body);
  });
}

/** Socket-level failures that mean "the connection was gone before the request got an answer". */
const RESET_CODES = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED', 'ECONNREFUSED']);

function resetCode(error: unknown): string | undefined {
  for (let e: unknown = error, depth = 0; e && depth < 4; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && RESET_CODES.has(code)) return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/** Whether the request body is a GraphQL query (a read, safe to send twice), not a mutation. */
export function isQueryBody(body: unknown): boolean {
  if (typeof body !== 'string') return false;
  let query: unknown;
  try {
    query = (JSON.parse(body) as { query?: unknown }).query;
  } catch {
    return false;
  }
  // The gateway's query planner writes one operation per subgraph fetch: `query …` or `{ … }`.
  return typeof query === 'string' && /^\s*(query\b|\{)/.test(query);
}

/**
 * The gateway's fetch to its subgraphs (ADR 0029). Node's own fetch (undici) keeps sockets alive but
 * retires an idle one before the server's announced `Keep-Alive: timeout` (less a second), so it does
 * not send on a socket the server is closing — unlike `make-fetch-happen`'s agent, the data source's
 * default, which keeps idle sockets without a limit while Node servers close them after 5 s: a request
 * sent in that moment fails with ECONNRESET. A race can still lose a socket (a server restarting, a
 * proxy between): a **query** whose connection was reset before an answer is sent once more on a new
 * connection; a mutation never is (it may have been executed), its failure stays a fault.
 */
export function subgraphFetcher(onRetry?: (code: string) => void): Fetcher {
  // node:http rather than fetch (ADR 0053): a third of the gateway's CPU per mutation went to
  // fetch's request, stream and timing objects. One agent per subgraph, sockets kept alive.
  const agents = { http: new http.Agent({ keepAlive: true }), https: new https.Agent({ keepAlive: true }) };
  const send = (url: string, init?: FetcherInit) => httpSend(agents, url, init);
  return async (url, init) => {
    try {
      return await send(url, init);
    } catch (error) {
      const code = resetCode(error);
      if (!code || !isQueryBody(init?.body)) throw error;
      onRetry?.(code);
      return send(url, init);
    }
  };
}

/**
 * Request headers that do not change a subgraph's answer to a query, left out of the merging key:
 * the caller's address (`X-Forwarded-For`) only counts failed logins, a mutation, never merged; the
 * trace context (`traceparent`, `tracestate`, one per request when tracing is on) only says which
 * trace the call belongs to — a merged call appears in the first caller's trace.
 * Every other header is part of the key, so a header added later that the subgraphs read is kept
 * apart without anyone remembering to list it.
 */
const ANSWER_NEUTRAL_HEADERS = new Set(['x-forwarded-for', 'traceparent', 'tracestate']);

/**
 * The key under which identical in-flight subgraph queries are merged (ADR 0035): the subgraph's URL,
 * the whole body (the operation and its variables) and every request header but the answer-neutral
 * ones — above all `Authorization`, so two callers with different tokens are never merged. Undefined
 * for what is never merged: a mutation (or anything not recognisably a query), a request that can be
 * aborted (one caller's abort must not end another's answer), a body that is not a string.
 */
export function inflightKey(url: string, init: Parameters<Fetcher>[1]): string | undefined {
  if (!init || init.signal || typeof init.body !== 'string' || !isQueryBody(init.body)) return undefined;
  if ((init.method ?? 'POST').toUpperCase() !== 'POST') return undefined;
  const headers: string[] = [];
  for (const [name, value] of new Headers(init.headers as ConstructorParameters<typeof Headers>[0])) {
    if (!ANSWER_NEUTRAL_HEADERS.has(name)) headers.push(`${name}:${value}`);
  }
  // JSON of the parts: no separator inside a header or the body can make two different requests alike.
  return JSON.stringify([url, headers.sort(), init.body]);
}

type FetcherResponse = Awaited<ReturnType<Fetcher>>;

interface Buffered {
  status: number;
  statusText: string;
  headers: Headers;
  body: string;
}

interface InFlight {
  /** Callers that joined the first one (it is not counted). */
  joined: number;
  /** The answer, read whole, for everyone who joined (and the first caller, when anyone did). */
  answer: Promise<Buffered>;
}

/**
 * Merges identical in-flight subgraph queries (ADR 0035): while one is on its way, a request with the
 * same {@link inflightKey} waits for its answer instead of being sent; each caller gets its own copy of
 * the answer (status, headers, body), or the same failure. Nothing is kept once the answer is in —
 * this is not a cache: a request sent after an answer arrived is always sent again. When nobody
 * joined by the time the answer's head arrives, the first caller gets the response as it came (no
 * copy, no extra cost for traffic that cannot be merged).
 */
export function mergingFetcher(inner: Fetcher, onMerged?: () => void): Fetcher {
  const inflight = new Map<string, InFlight>();
  const copy = (b: Buffered) =>
    new Response(b.body, {
      status: b.status,
      statusText: b.statusText,
      headers: b.headers,
    }) as unknown as FetcherResponse;
  return async (url, init) => {
    const key = inflightKey(url, init);
    if (key === undefined) return inner(url, init);
    const joined = inflight.get(key);
    if (joined) {
      joined.joined++;
      onMerged?.();
      return copy(await joined.answer);
    }
    let settle!: (b: Promise<Buffered>) => void;
    const entry: InFlight = {
      joined: 0,
      answer: new Promise<Buffered>((resolve) => (settle = resolve)),
    };
    inflight.set(key, entry);
    // Settles once the answer's head is in: with the response itself when nobody joined.
    const head = (async (): Promise<FetcherResponse | undefined> => {
      let res: FetcherResponse;
      try {
        res = await inner(url, init);
      } catch (error) {
        // The same failure for everyone who joined (handled here, so no rejection goes unobserved).
        inflight.delete(key);
        const failed = Promise.reject(error as Error);
        failed.catch(() => undefined);
        settle(failed);
        throw error;
      }
      // Synchronously with the check: a caller either joined before (and is answered from the copy)
      // or finds no entry and sends its own request.
      if (entry.joined === 0) {
        inflight.delete(key);
        return res;
      }
      const buffered = (async () => {
        try {
          const body = await res.text();
          return {
            status: res.status,
            statusText: res.statusText,
            headers: new Headers(res.headers as ConstructorParameters<typeof Headers>[0]),
            body,
          };
        } finally {
          inflight.delete(key);
        }
      })();
      buffered.catch(() => undefined);
      settle(buffered);
      return undefined;
    })();
    const own = await head;
    return own ?? copy(await entry.answer);
  };
}
