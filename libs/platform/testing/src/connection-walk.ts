import { gqlRequest } from './graphql-client';

/** What a walk reads of each page: the nodes and the Relay page info. */
interface WalkedPage<N> {
  nodes: N[];
  pageInfo: {
    hasNextPage: boolean;
    hasPreviousPage: boolean;
    startCursor: string | null;
    endCursor: string | null;
  };
}

export interface ConnectionWalk {
  /** The GraphQL endpoint. */
  url: string;
  /**
   * An operation taking `$first: Int, $after: String, $last: Int, $before: String` (plus `vars`)
   * whose connection `pick` finds in the answer, with `nodes` and `pageInfo` selected.
   */
  query: string;
  vars?: Record<string, unknown>;
  token?: string;
  pick: (data: Record<string, unknown>) => unknown;
  /** Page size. */
  size: number;
}

/**
 * Every node of a connection, walked over real HTTP page by page: forward from the start with
 * `first`/`after`, or backward from the end with `last`/`before` (the pages put together in list
 * order). Any error fails the walk; so does a walk that does not end.
 */
export async function walkConnection<N>(
  walk: ConnectionWalk,
  direction: 'forward' | 'backward',
): Promise<N[]> {
  const out: N[] = [];
  let cursor: string | null = null;
  for (let pages = 0; pages < 1000; pages++) {
    const vars: Record<string, unknown> =
      direction === 'forward'
        ? { ...walk.vars, first: walk.size, after: cursor }
        : { ...walk.vars, last: walk.size, before: cursor };
    const res = await gqlRequest<Record<string, unknown>>(walk.url, walk.query, vars, walk.token);
    if (res.errors?.length || !res.data) throw new Error(`page ${pages}: ${JSON.stringify(res.errors)}`);
    const page = walk.pick(res.data) as WalkedPage<N>;
    if (direction === 'forward') {
      out.push(...page.nodes);
      if (!page.pageInfo.hasNextPage) return out;
      cursor = page.pageInfo.endCursor;
    } else {
      out.unshift(...page.nodes);
      if (!page.pageInfo.hasPreviousPage) return out;
      cursor = page.pageInfo.startCursor;
    }
  }
  throw new Error('the walk did not end within 1000 pages');
}
