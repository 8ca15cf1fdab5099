/**
 * Relay-style cursor pagination helpers. A cursor is opaque to clients: base64url of the sort key
 * of the last row seen. Lists are always bounded.
 */
export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

export interface PageArgs {
  first?: number | null;
  after?: string | null;
}

/** Validated page arguments (see `parsePage` in @sc/graphql). */
export interface Page {
  first: number;
  /** Decoded sort key of the last row already seen, or null for the first page. */
  afterKey: string | null;
}

export interface Edge<T> {
  cursor: string;
  node: T;
}

export interface PageInfo {
  hasNextPage: boolean;
  endCursor: string | null;
}

export interface Connection<T> {
  edges: Edge<T>[];
  nodes: T[];
  pageInfo: PageInfo;
}

/** A page plus a total that is counted only when the query selects `totalCount`. */
export interface CountedConnection<T> extends Connection<T> {
  totalCount: () => Promise<number>;
}

export function encodeCursor(key: string): string {
  return Buffer.from(key, 'utf8').toString('base64url');
}

/** Returns the decoded key, or null for a cursor that is not one of ours. */
export function decodeCursor(cursor: string): string | null {
  if (!/^[A-Za-z0-9_-]{1,512}$/.test(cursor)) return null;
  const key = Buffer.from(cursor, 'base64url').toString('utf8');
  return key.length > 0 ? key : null;
}

/** Builds a connection from up to `first + 1` rows fetched past the cursor. */
export function toConnection<T>(rows: T[], first: number, keyOf: (row: T) => string): Connection<T> {
  const page = rows.slice(0, first);
  const edges = page.map((node) => ({ cursor: encodeCursor(keyOf(node)), node }));
  return {
    edges,
    nodes: page,
    pageInfo: { hasNextPage: rows.length > first, endCursor: edges.at(-1)?.cursor ?? null },
  };
}

/** {@link toConnection} with a lazily counted total (the count runs only when `totalCount` is selected). */
export function toCountedConnection<T>(
  rows: T[],
  first: number,
  keyOf: (row: T) => string,
  count: () => Promise<number>,
): CountedConnection<T> {
  return { ...toConnection(rows, first, keyOf), totalCount: count };
}

/**
 * One page of a list: fetches `first + 1` rows past the cursor (none when `first` is 0) and counts
 * lazily. `fetch` gets the row limit and the decoded cursor key.
 */
export async function fetchPage<T>(
  page: Page,
  fetch: (limit: number, afterKey: string | null) => Promise<T[]>,
  keyOf: (row: T) => string,
  count: () => Promise<number>,
): Promise<CountedConnection<T>> {
  const rows = page.first === 0 ? [] : await fetch(page.first + 1, page.afterKey);
  return toCountedConnection(rows, page.first, keyOf, count);
}
