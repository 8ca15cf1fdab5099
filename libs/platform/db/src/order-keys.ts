import type { Page } from './pagination';

/*
 * The orders of a list and their cursor keys (ADR 0051): plain values and JSON, no database, so that
 * input validation (@sc/graphql, which the gateway bundles) can use them without loading TypeORM.
 * The keyset queries that read under these orders are in keyset.ts.
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
