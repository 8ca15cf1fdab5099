import DataLoader from 'dataloader';
import type { DataSource } from 'typeorm';
import { type OrderedPage, orderKey } from './keyset';
import { type CountedConnection, directionOf, encodeCursor, type Page, toConnection } from './pagination';

/**
 * A child table listed per parent (a grid's streets, a chief's transitions, a resident's moves).
 * Table and column names are identifiers from code, never input; values are parameters.
 */
export interface ChildListSpec {
  table: string;
  /** Column holding the parent id. */
  parentColumn: string;
  /** Column each row contributes: its own id, or the id of what it refers to. */
  refColumn: string;
  sortColumn: string;
  direction: 'ASC' | 'DESC';
  /**
   * How a cursor points into the list. `value`: the sort column is unique within a parent and the
   * cursor holds its value. `row`: the cursor holds the row's ref (which must be the row's unique id);
   * the sort value is read from that row and ties are broken by the id, so no time value travels.
   */
  cursor: 'value' | 'row';
  /** Fixed filters: equality, e.g. `{ kind: 'STREET' }`, or one of a list, e.g. `{ status: ['A', 'B'] }`. */
  where?: Record<string, string | number | readonly (string | number)[]>;
}

/** One row of a child list: what it refers to and its cursor key. */
export interface ChildRef {
  ref: string;
  key: string;
}

/**
 * One parent's page: `limit` rows past the cursor key `after` (null: from the start); `backward`:
 * the rows before it instead (null: from the end), nearest first.
 */
export interface ChildPageRequest {
  parentId: string;
  limit: number;
  after: string | null;
  backward?: boolean;
}

const requestKey = (r: ChildPageRequest): string =>
  `${r.parentId}\u0000${r.limit}\u0000${r.after ?? ''}\u0000${r.backward ? 'b' : 'f'}`;

const flip = (dir: 'ASC' | 'DESC'): 'ASC' | 'DESC' => (dir === 'ASC' ? 'DESC' : 'ASC');

type FilterValue = NonNullable<ChildListSpec['where']>[string];
const isList = (v: FilterValue): v is readonly (string | number)[] => Array.isArray(v);

function filters(spec: ChildListSpec): { sql: string; params: (string | number)[] } {
  const entries = Object.entries(spec.where ?? {});
  return {
    sql: entries
      .map(([column, value]) =>
        isList(value) ? ` AND ${column} IN (${value.map(() => '?').join(',')})` : ` AND ${column} = ?`,
      )
      .join(''),
    params: entries.flatMap(([, value]) => (isList(value) ? [...value] : [value])),
  };
}

/**
 * Pages of a child list for many parents at once. Requests that share a page size and cursor (the
 * first pages of every resident in a list, say) come from one ranked window-function statement,
 * however many parents; a `row` cursor (someone reading one resident's older moves) is one indexed
 * statement of its own. Every statement is served by an index on (parent, sort).
 */
export async function childPages(
  ds: DataSource,
  spec: ChildListSpec,
  requests: readonly ChildPageRequest[],
): Promise<Map<string, ChildRef[]>> {
  const out = new Map<string, ChildRef[]>(requests.map((r) => [requestKey(r), []]));
  const { table, parentColumn: parent, refColumn: ref, sortColumn: sort } = spec;
  const where = filters(spec);
  // Backward reads the list the other way from the cursor: the order and the comparison flip.
  const dirOf = (backward: boolean | undefined) => (backward ? flip(spec.direction) : spec.direction);
  const orderOf = (dir: 'ASC' | 'DESC') =>
    spec.cursor === 'row' ? `${sort} ${dir}, ${ref} ${dir}` : `${sort} ${dir}`;
  const pastOf = (dir: 'ASC' | 'DESC') => (dir === 'ASC' ? '>' : '<');

  const ranked = new Map<
    string,
    { limit: number; after: string | null; backward: boolean; parents: Set<string> }
  >();
  for (const r of requests) {
    const dir = dirOf(r.backward);
    const past = pastOf(dir);
    if (spec.cursor === 'row' && r.after !== null) {
      // c: candidate rows, cur: the cursor row (of the same parent, or the page is empty).
      const rows: { ref: string }[] = await ds.query(
        `SELECT c.${ref} AS ref FROM ${table} c JOIN ${table} cur ON cur.${ref} = ? AND cur.${parent} = c.${parent}
         WHERE c.${parent} = ?${where.sql.replaceAll(' AND ', ' AND c.')}
           AND (c.${sort} ${past} cur.${sort} OR (c.${sort} = cur.${sort} AND c.${ref} ${past} cur.${ref}))
         ORDER BY c.${sort} ${dir}, c.${ref} ${dir} LIMIT ?`,
        [r.after, r.parentId, ...where.params, r.limit],
      );
      out.set(
        requestKey(r),
        rows.map((row) => ({ ref: String(row.ref), key: String(row.ref) })),
      );
      continue;
    }
    const backward = r.backward === true;
    const batchKey = `${r.limit}\u0000${r.after ?? ''}\u0000${backward ? 'b' : 'f'}`;
    const batch = ranked.get(batchKey) ?? {
      limit: r.limit,
      after: r.after,
      backward,
      parents: new Set<string>(),
    };
    batch.parents.add(r.parentId);
    ranked.set(batchKey, batch);
  }

  for (const { limit, after, backward, parents } of ranked.values()) {
    const parentIds = [...parents];
    const dir = dirOf(backward);
    const order = orderOf(dir);
    const afterSql = after === null ? '' : ` AND ${sort} ${pastOf(dir)} ?`;
    const rows: { owner: string; ref: string; sort: string | number }[] = await ds.query(
      `SELECT owner, ref, sort FROM (
         SELECT ${parent} AS owner, ${ref} AS ref, ${sort} AS sort,
                ROW_NUMBER() OVER (PARTITION BY ${parent} ORDER BY ${order}) AS rn
         FROM ${table}
         WHERE ${parent} IN (${parentIds.map(() => '?').join(',')})${where.sql}${afterSql}
       ) ranked WHERE rn <= ? ORDER BY owner, rn`,
      [...parentIds, ...where.params, ...(after === null ? [] : [after]), limit],
    );
    for (const row of rows) {
      const key = spec.cursor === 'row' ? String(row.ref) : String(row.sort);
      out
        .get(requestKey({ parentId: String(row.owner), limit, after, backward }))
        ?.push({ ref: String(row.ref), key });
    }
  }
  return out;
}

/** Rows per parent (0 for none): one grouped, indexed count for all of them. */
export async function childCounts(
  ds: DataSource,
  spec: ChildListSpec,
  parentIds: readonly string[],
): Promise<Map<string, number>> {
  const counts = new Map<string, number>(parentIds.map((id) => [id, 0]));
  if (parentIds.length === 0) return counts;
  const where = filters(spec);
  const rows: { owner: string; n: number | string }[] = await ds.query(
    `SELECT ${spec.parentColumn} AS owner, COUNT(*) AS n FROM ${spec.table}
     WHERE ${spec.parentColumn} IN (${parentIds.map(() => '?').join(',')})${where.sql}
     GROUP BY ${spec.parentColumn}`,
    [...parentIds, ...where.params],
  );
  for (const r of rows) counts.set(String(r.owner), Number(r.n));
  return counts;
}

const specKey = (spec: ChildListSpec): string =>
  JSON.stringify([
    spec.table,
    spec.parentColumn,
    spec.refColumn,
    spec.sortColumn,
    spec.direction,
    spec.where,
  ]);

/**
 * Per-request loaders of child lists: pages and counts of one list for sibling parents in one tick
 * share their statements (see {@link childPages}, {@link childCounts}).
 */
export class ChildLists {
  private readonly pages = new Map<string, DataLoader<ChildPageRequest, ChildRef[], string>>();
  private readonly counts = new Map<string, DataLoader<string, number>>();

  constructor(private readonly ds: DataSource) {}

  /** A page of one parent's list; `load` turns a ref into the node (null drops the row). */
  async page<T>(
    spec: ChildListSpec,
    parentId: string,
    page: Page,
    load: (ref: string) => Promise<T | null>,
  ): Promise<CountedConnection<T>> {
    const refs =
      page.first === 0
        ? []
        : await this.pageLoader(spec).load({
            parentId,
            limit: page.first + 1,
            after: page.afterKey,
            backward: page.backward === true,
          });
    const rows = await Promise.all(refs.map(async (r) => ({ key: r.key, node: await load(r.ref) })));
    const present = rows.filter((r): r is { key: string; node: Awaited<T> } => r.node !== null);
    const connection = toConnection(present, page.first, (r) => r.key, directionOf(page));
    return {
      edges: connection.edges.map((e) => ({ cursor: e.cursor, node: e.node.node })),
      nodes: connection.nodes.map((n) => n.node),
      pageInfo: connection.pageInfo,
      totalCount: () => this.count(spec, parentId),
    };
  }

  /**
   * A page of one parent's `row`-cursor list under an `orderBy` (ADR 0051): the order (its sort
   * column, then the ref, as `spec` sorts) gives the direction; the page starts at the cursor's row
   * (its ref, the order's last value), and every edge's cursor carries the order and the row's values,
   * so a cursor of another direction is refused by parseOrderedPage. The original order keeps its bare
   * row cursors. Served by the same (parent, sort, ref) index both ways.
   */
  async orderedPage<T>(
    spec: ChildListSpec,
    parentId: string,
    page: OrderedPage<T>,
    load: (ref: string) => Promise<T | null>,
  ): Promise<CountedConnection<T>> {
    if (spec.cursor !== 'row') throw new Error(`${spec.table}: ordered child lists need row cursors`);
    const after = page.after === null ? null : String(page.after.at(-1));
    const connection = await this.page(
      { ...spec, direction: page.order.direction },
      parentId,
      { first: page.first, afterKey: after, ...(page.backward ? { backward: true } : {}) },
      load,
    );
    const edges = connection.edges.map((e) => ({
      cursor: encodeCursor(orderKey(page.order, e.node)),
      node: e.node,
    }));
    return {
      ...connection,
      edges,
      pageInfo: {
        ...connection.pageInfo,
        startCursor: edges[0]?.cursor ?? null,
        endCursor: edges.at(-1)?.cursor ?? null,
      },
    };
  }

  /** Number of rows in one parent's list, batched with its siblings. */
  count(spec: ChildListSpec, parentId: string): Promise<number> {
    const key = specKey(spec);
    let loader = this.counts.get(key);
    if (!loader) {
      loader = new DataLoader(async (ids) => {
        const map = await childCounts(this.ds, spec, ids);
        return ids.map((id) => map.get(id) ?? 0);
      });
      this.counts.set(key, loader);
    }
    return loader.load(parentId);
  }

  private pageLoader(spec: ChildListSpec): DataLoader<ChildPageRequest, ChildRef[], string> {
    const key = specKey(spec);
    let loader = this.pages.get(key);
    if (!loader) {
      loader = new DataLoader(
        async (requests) => {
          const map = await childPages(this.ds, spec, requests);
          return requests.map((r) => map.get(requestKey(r)) ?? []);
        },
        { cacheKeyFn: requestKey },
      );
      this.pages.set(key, loader);
    }
    return loader;
  }
}

/** A top-level list: the rows of a table in the order of a column that is unique across it. */
export interface TableListSpec {
  table: string;
  /** Unique sort column; the cursor holds its value. */
  sortColumn: string;
  /** Column returned (the row id). */
  refColumn?: string;
  where?: Record<string, string | number>;
}

/**
 * Up to `limit` row ids past the cursor in sort order (one statement served by an index on the sort
 * column); `backward`: those before it (from the end without one), nearest first.
 */
export async function tablePage(
  ds: DataSource,
  spec: TableListSpec,
  limit: number,
  afterKey: string | null,
  backward = false,
): Promise<string[]> {
  const filters = Object.entries(spec.where ?? {});
  const conditions = filters.map(([column]) => `${column} = ?`);
  const params: (string | number)[] = filters.map(([, value]) => value);
  if (afterKey !== null) {
    conditions.push(`${spec.sortColumn} ${backward ? '<' : '>'} ?`);
    params.push(afterKey);
  }
  const rows: { ref: string }[] = await ds.query(
    `SELECT ${spec.refColumn ?? 'id'} AS ref FROM ${spec.table}
     ${conditions.length ? `WHERE ${conditions.join(' AND ')}` : ''}
     ORDER BY ${spec.sortColumn}${backward ? ' DESC' : ''} LIMIT ?`,
    [...params, limit],
  );
  return rows.map((r) => String(r.ref));
}

/** Rows of a top-level list (with its filters). */
export async function tableCount(
  ds: DataSource,
  spec: Pick<TableListSpec, 'table' | 'where'>,
): Promise<number> {
  const filters = Object.entries(spec.where ?? {});
  const rows: { n: number | string }[] = await ds.query(
    `SELECT COUNT(*) AS n FROM ${spec.table}
     ${filters.length ? `WHERE ${filters.map(([column]) => `${column} = ?`).join(' AND ')}` : ''}`,
    filters.map(([, value]) => value),
  );
  return Number(rows[0]?.n ?? 0);
}
