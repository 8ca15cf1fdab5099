import {
  Brackets,
  type DataSource,
  type ObjectLiteral,
  type SelectQueryBuilder,
  type WhereExpressionBuilder,
} from 'typeorm';
import {
  type CountedConnection,
  directionOf,
  type Page,
  type PageDirection,
  toCountedConnection,
} from './pagination';
import {
  type ListOrder,
  type ListOrders,
  type OrderColumn,
  type OrderedPage,
  orderKey,
  type SortDirection,
  type SortValue,
} from './order-keys';

export * from './order-keys';

/**
 * Keyset pagination under a chosen order (`orderBy`, ADR 0051). A list offers a few orders; each is
 * a sequence of sort columns ending in a unique tie-breaker (the row id), all read in one direction
 * so that one index on (filters…, columns…, id) serves both paging directions. The cursor carries
 * the order's name and the row's values of every column, so a page follows exactly from the row it
 * was cut at, even when that row has changed or gone since; a cursor of another order is refused.
 *
 * A list's original order (before `orderBy` existed) is `legacy`: one unique column whose cursor
 * stays the bare value it always was, so cursors clients hold keep working.
 */
const flip = (d: SortDirection): SortDirection => (d === 'ASC' ? 'DESC' : 'ASC');

/** The direction the query reads in: the order's, or the other way when paging backward. */
const readDirection = (order: ListOrder<unknown>, backward: boolean): SortDirection =>
  backward ? flip(order.direction) : order.direction;

/**
 * The condition "past the cursor" in the reading direction, expanded for the index:
 * `a > ? OR (a = ? AND id > ?)`. NULL sorts lowest: past a NULL going up is every non-NULL value
 * (then the NULLs past the tie-breaker); nothing lies below a NULL but NULLs.
 */
export function keysetCondition<Row>(
  order: ListOrder<Row>,
  after: readonly SortValue[],
  backward: boolean,
  paramPrefix = 'ks',
): { sql: string; params: Record<string, unknown> } {
  const up = readDirection(order as ListOrder<unknown>, backward) === 'ASC';
  const params: Record<string, unknown> = {};
  const param = (i: number, column: OrderColumn<Row>): string => {
    const name = `${paramPrefix}_${i}`;
    const v = after[i];
    params[name] = column.kind === 'datetime' && typeof v === 'string' ? new Date(v) : v;
    return `:${name}`;
  };
  const equal = (c: OrderColumn<Row>, i: number): string =>
    after[i] === null ? `${c.column} IS NULL` : `${c.column} = ${param(i, c)}`;
  const past = (c: OrderColumn<Row>, i: number): string => {
    const v = after[i];
    if (v === null) return up ? `${c.column} IS NOT NULL` : '1 = 0';
    const cmp = `${c.column} ${up ? '>' : '<'} ${param(i, c)}`;
    return c.nullable && !up ? `(${cmp} OR ${c.column} IS NULL)` : cmp;
  };
  const branches = order.columns.map((c, i) =>
    [...order.columns.slice(0, i).map(equal), past(c, i)].join(' AND '),
  );
  return { sql: branches.map((b) => `(${b})`).join(' OR '), params };
}

/**
 * Orders a query by the order's columns in the reading direction and narrows it past the cursor,
 * with `limit` rows. The rows come nearest first; {@link fetchOrderedPage} puts a backward page back.
 */
export function applyKeyset<Entity extends ObjectLiteral, Row>(
  qb: SelectQueryBuilder<Entity>,
  order: ListOrder<Row>,
  after: readonly SortValue[] | null,
  backward: boolean,
  limit: number,
): SelectQueryBuilder<Entity> {
  const dir = readDirection(order as ListOrder<unknown>, backward);
  order.columns.forEach((c, i) => (i === 0 ? qb.orderBy(c.column, dir) : qb.addOrderBy(c.column, dir)));
  if (after !== null) {
    const { sql, params } = keysetCondition(order, after, backward);
    qb.andWhere(new Brackets((b: WhereExpressionBuilder) => b.where(sql, params)));
  }
  return qb.limit(limit);
}

/**
 * One page of a list under an order: fetches `first + 1` rows past the cursor's values (none when
 * `first` is 0) and counts lazily; every edge's cursor carries the order and the row's values.
 */
export async function fetchOrderedPage<Row>(
  page: OrderedPage<Row>,
  fetch: (limit: number, after: SortValue[] | null, backward: boolean) => Promise<Row[]>,
  count: () => Promise<number>,
): Promise<CountedConnection<Row>> {
  const backward = page.backward === true;
  const rows = page.first === 0 ? [] : await fetch(page.first + 1, page.after, backward);
  const direction: PageDirection = directionOf(page);
  return toCountedConnection(rows, page.first, (r) => orderKey(page.order, r), count, direction);
}

/** A top-level list of a table under an order: the order's columns use the alias `t`. */
export interface OrderedTableSpec {
  table: string;
  /** Column returned (the row id). */
  refColumn?: string;
  /** Fixed filters (equality): identifiers from code, values as parameters. */
  where?: Record<string, string | number>;
}

/**
 * Up to `limit` row ids of a table past the cursor's values under `order` (columns as `t.<column>`),
 * nearest first; one statement served by an index on (filters…, columns…). The rows themselves come
 * from the caller's by-id loader, so the order's `value`s read the loaded entity.
 */
export async function orderedTablePage<Row>(
  ds: DataSource,
  spec: OrderedTableSpec,
  order: ListOrder<Row>,
  limit: number,
  after: readonly SortValue[] | null,
  backward: boolean,
): Promise<string[]> {
  const qb = ds
    .createQueryBuilder()
    .select(`t.${spec.refColumn ?? 'id'}`, 'ref')
    .from(spec.table, 't');
  Object.entries(spec.where ?? {}).forEach(([column, value], i) =>
    qb.andWhere(`t.${column} = :w_${i}`, { [`w_${i}`]: value }),
  );
  const rows: { ref: unknown }[] = await applyKeyset(qb, order, after, backward, limit).getRawMany();
  return rows.map((r) => String(r.ref));
}

/**
 * A page as the list's original order reads it, for callers inside a service that page without
 * `orderBy` (exports, jobs): an ordered page passes through unchanged.
 */
export function inOriginalOrder<Row, Field extends string>(
  page: Page | OrderedPage<Row>,
  orders: ListOrders<Row, Field>,
): OrderedPage<Row> {
  if ('order' in page) return page;
  return { ...page, order: orders.original, after: page.afterKey === null ? null : [page.afterKey] };
}
