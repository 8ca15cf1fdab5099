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
export type SortDirection = 'ASC' | 'DESC';

/** A value in a cursor: strings, numbers, datetimes as ISO text, null where a column allows it. */
export type SortValue = string | number | null;

/** One sort column of an order. */
export interface OrderColumn<Row> {
  /** The SQL column, qualified by the query's alias (`r.name`): an identifier from code, never input. */
  column: string;
  /** `datetime`: the cursor holds ISO text and the query gets a Date (each driver writes its own form). */
  kind: 'string' | 'number' | 'datetime';
  /** The row's value of the column. */
  value: (row: Row) => string | number | Date | null;
  /** The column may be NULL: NULL sorts before every value (MySQL, MariaDB and SQLite alike). */
  nullable?: boolean;
}

/** An order of a list: its columns, the last unique, read in one direction. */
export interface ListOrder<Row> {
  /** Name the cursor carries, e.g. `NAME:ASC` (only letters, digits, `_` and `:`). */
  name: string;
  direction: SortDirection;
  /** Most significant first; the last one is the tie-breaker and must be unique and never NULL. */
  columns: readonly OrderColumn<Row>[];
  /** The list's original order: one unique column, its cursor the bare value (pre-`orderBy` cursors). */
  legacy?: boolean;
}

/** A validated page under an order: the cursor's values (null: from the start or the end). */
export interface OrderedPage<Row> extends Page {
  order: ListOrder<Row>;
  after: SortValue[] | null;
}

const cellOf = <Row>(column: OrderColumn<Row>, row: Row): SortValue => {
  const v = column.value(row);
  if (v === null || v === undefined) return null;
  if (v instanceof Date) return v.toISOString();
  return v;
};

/** The cursor key of a row under an order (see {@link encodeCursor} for the opaque cursor). */
export function orderKey<Row>(order: ListOrder<Row>, row: Row): string {
  const values = order.columns.map((c) => cellOf(c, row));
  if (order.legacy) return String(values[0]);
  return JSON.stringify([order.name, ...values]);
}

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/**
 * The values of a cursor key under an order, or null when the key is not one of that order's: a
 * key of another order (another field or direction, or the list's original order), or values of the
 * wrong kind. A legacy key is anything that is not an ordered key.
 */
export function decodeOrderKey<Row>(order: ListOrder<Row>, key: string): SortValue[] | null {
  const ordered = key.startsWith('[');
  if (order.legacy) return ordered ? null : [key];
  if (!ordered) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(key);
  } catch {
    return null;
  }
  if (!Array.isArray(parsed) || parsed.length !== order.columns.length + 1 || parsed[0] !== order.name) {
    return null;
  }
  const values = parsed.slice(1) as unknown[];
  const ok = order.columns.every((c, i) => {
    const v = values[i];
    if (v === null) return c.nullable === true && i < order.columns.length - 1;
    switch (c.kind) {
      case 'string':
        return typeof v === 'string';
      case 'number':
        return typeof v === 'number' && Number.isFinite(v);
      case 'datetime':
        return typeof v === 'string' && ISO.test(v) && !Number.isNaN(Date.parse(v));
    }
  });
  return ok ? (values as SortValue[]) : null;
}

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

/**
 * The orders of one list: its original order (kept as the default), and an order per field, each
 * ending in the tie-breaker. `resolve` picks one for an `orderBy` argument.
 */
export class ListOrders<Row, Field extends string> {
  constructor(
    readonly original: ListOrder<Row>,
    private readonly fields: Record<Field, readonly OrderColumn<Row>[]>,
    private readonly tieBreaker: OrderColumn<Row>,
  ) {}

  /** The fields a client may order by. */
  get fieldNames(): Field[] {
    return Object.keys(this.fields) as Field[];
  }

  /** The order for `orderBy`: the original one without it. */
  resolve(orderBy: { field: Field; direction?: SortDirection | null } | null | undefined): ListOrder<Row> {
    if (!orderBy) return this.original;
    const direction = orderBy.direction ?? 'ASC';
    const columns = this.fields[orderBy.field];
    if (!columns) throw new Error(`unknown order field ${orderBy.field}`);
    return { name: `${orderBy.field}:${direction}`, direction, columns: [...columns, this.tieBreaker] };
  }
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
