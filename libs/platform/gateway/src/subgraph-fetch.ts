import type { RemoteGraphQLDataSource } from '@apollo/gateway';

type Fetcher = RemoteGraphQLDataSource['fetcher'];

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
  const send = (url: string, init?: Parameters<Fetcher>[1]) =>
    fetch(url, init as RequestInit) as unknown as ReturnType<Fetcher>;
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
