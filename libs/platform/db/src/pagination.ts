/**
 * Relay-style cursor pagination helpers (Relay connection spec, both directions). A cursor is opaque
 * to clients: base64url of the sort key of a row. Lists are always bounded.
 *
 * Forward (`first`/`after`): the rows after the cursor in the list's order. Backward
 * (`last`/`before`): the rows just before the cursor (the end of the list without one), still
 * answered in the list's order. A list's fetch gets `backward` and then reads the other way from
 * the key (`<` instead of `>`, the order reversed); the helpers put the page back in order.
 * `hasPreviousPage` (forward) and `hasNextPage` (backward) are true when a cursor was given, as the
 * spec allows (no second query: the row at the cursor lies that way).
 */
export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

export interface PageArgs {
  first?: number | null;
  after?: string | null;
  last?: number | null;
  before?: string | null;
}

/** Validated page arguments (see `parsePage` in @sc/graphql). */
export interface Page {
  /** How many rows the page holds at most (`first`, or `last` when backward). */
  first: number;
  /**
   * Decoded sort key of the cursor, or null for the first (forward) or last (backward) page: the
   * rows past it are wanted (forward), or those before it (backward).
   */
  afterKey: string | null;
  /** `last`/`before`: the rows before the cursor, nearest first from the fetch, then put in order. */
  backward?: boolean;
}

export interface Edge<T> {
  cursor: string;
  node: T;
}

export interface PageInfo {
  hasNextPage: boolean;
  hasPreviousPage: boolean;
  startCursor: string | null;
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

/**
 * Returns the decoded key, or null for a cursor that is not one of ours: not base64url, not the
 * exact encoding of a UTF-8 key (made-up text such as `abc` decodes to broken UTF-8), or a key with
 * control characters (ours never have them).
 */
export function decodeCursor(cursor: string): string | null {
  if (!/^[A-Za-z0-9_-]{1,1024}$/.test(cursor)) return null;
  const key = Buffer.from(cursor, 'base64url').toString('utf8');
  if (key.length === 0 || encodeCursor(key) !== cursor) return null;
  // eslint-disable-next-line no-control-regex -- exactly what a key of ours never holds
  return /[\u0000-\u001f\u007f-\u009f\ufffd]/.test(key) ? null : key;
}

/** Where a page was read from: the direction and whether it started at a cursor. */
export interface PageDirection {
  backward?: boolean;
  fromCursor?: boolean;
}

/** The direction of a validated page. */
export const directionOf = (page: Page): PageDirection => ({
  backward: page.backward === true,
  fromCursor: page.afterKey !== null,
});

/**
 * Builds a connection from up to `first + 1` rows fetched past the cursor (forward), or before it
 * nearest first (backward: the page is put back in the list's order).
 */
export function toConnection<T>(
  rows: T[],
  first: number,
  keyOf: (row: T) => string,
  direction: PageDirection = {},
): Connection<T> {
  const more = rows.length > first;
  const page = direction.backward ? rows.slice(0, first).reverse() : rows.slice(0, first);
  const edges = page.map((node) => ({ cursor: encodeCursor(keyOf(node)), node }));
  const fromCursor = direction.fromCursor === true;
  return {
    edges,
    nodes: page,
    pageInfo: {
      hasNextPage: direction.backward ? fromCursor : more,
      hasPreviousPage: direction.backward ? more : fromCursor,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
  };
}

/** {@link toConnection} with a lazily counted total (the count runs only when `totalCount` is selected). */
export function toCountedConnection<T>(
  rows: T[],
  first: number,
  keyOf: (row: T) => string,
  count: () => Promise<number>,
  direction: PageDirection = {},
): CountedConnection<T> {
  return { ...toConnection(rows, first, keyOf, direction), totalCount: count };
}

/**
 * One page of a list: fetches `first + 1` rows past the cursor (none when `first` is 0) and counts
 * lazily. `fetch` gets the row limit, the decoded cursor key and `backward`: then it must return
 * the rows before the key (from the end without one), nearest first — a list whose schema offers
 * `last`/`before` handles it; the others never get it (parsePage has no `last` to read).
 */
export async function fetchPage<T>(
  page: Page,
  fetch: (limit: number, afterKey: string | null, backward: boolean) => Promise<T[]>,
  keyOf: (row: T) => string,
  count: () => Promise<number>,
): Promise<CountedConnection<T>> {
  const rows = page.first === 0 ? [] : await fetch(page.first + 1, page.afterKey, page.backward === true);
  return toCountedConnection(rows, page.first, keyOf, count, directionOf(page));
}
