import type { z } from 'zod';
import { BadUserInputError } from './errors';
import {
  decodeCursor,
  decodeOrderKey,
  DEFAULT_PAGE_SIZE,
  type ListOrders,
  MAX_PAGE_SIZE,
  type OrderedPage,
  type Page,
  type PageArgs,
  type SortDirection,
} from '@sc/db/cursors';

export type { Page } from '@sc/db/cursors';

/**
 * Validates a GraphQL input with a zod schema at the edge. Every problem is reported with the path
 * of its field, so a client can point at it; nothing reaches the service unvalidated.
 */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown, root = 'input'): z.infer<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = result.error.issues.map((issue) => ({
    field: [root, ...issue.path.map(String)].join('.'),
    message: issue.message,
  }));
  throw new BadUserInputError(
    `Invalid ${root}: ${issues.map((i) => `${i.field}: ${i.message}`).join('; ')}`,
    issues,
  );
}

/**
 * Checks the page arguments: `first` (0 to the maximum, default 20) and `after`, or backward `last`
 * and `before` (Relay). Mixing the two directions is BAD_USER_INPUT, as is a cursor we did not issue
 * (never an empty page: a client would take it for the end of the list).
 */
export function parsePage(args: PageArgs, max = MAX_PAGE_SIZE): Page {
  const backward = (args.last ?? null) !== null || (args.before ?? null) !== null;
  if (backward && ((args.first ?? null) !== null || (args.after ?? null) !== null)) {
    const field = (args.first ?? null) !== null ? 'first' : 'after';
    throw new BadUserInputError(`${field} cannot be combined with last or before: page one way`, [
      { field, message: 'cannot be combined with last or before' },
    ]);
  }
  const sizeField = backward ? 'last' : 'first';
  const cursorField = backward ? 'before' : 'after';
  const first = (backward ? args.last : args.first) ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(first) || first < 0 || first > max) {
    throw new BadUserInputError(`${sizeField} must be between 0 and ${max}`, [
      { field: sizeField, message: `must be between 0 and ${max}` },
    ]);
  }
  const cursor = backward ? args.before : args.after;
  const page = (afterKey: string | null): Page =>
    backward ? { first, afterKey, backward } : { first, afterKey };
  if (cursor === undefined || cursor === null) return page(null);
  const afterKey = decodeCursor(cursor);
  if (afterKey === null) {
    throw new BadUserInputError(`${cursorField} is not a valid cursor`, [
      { field: cursorField, message: 'not a valid cursor' },
    ]);
  }
  return page(afterKey);
}

/** An `orderBy` argument: `<Thing>Order { field, direction = ASC }`. */
export interface OrderArg<Field extends string> {
  field: Field;
  direction?: SortDirection | null;
}

/**
 * {@link parsePage} under an `orderBy` (ADR 0051): picks the order (the list's original one without
 * `orderBy`) and reads the cursor's values for it. A cursor issued under another order (another field
 * or direction, or with or without `orderBy`) is BAD_USER_INPUT naming `after` or `before`: its
 * values would place the page somewhere else.
 */
export function parseOrderedPage<Row, Field extends string>(
  args: PageArgs & { orderBy?: OrderArg<Field> | null },
  orders: ListOrders<Row, Field>,
  max = MAX_PAGE_SIZE,
): OrderedPage<Row> {
  const page = parsePage(args, max);
  const order = orders.resolve(args.orderBy);
  if (page.afterKey === null) return { ...page, order, after: null };
  const after = decodeOrderKey(order, page.afterKey);
  if (after === null) {
    const field = page.backward ? 'before' : 'after';
    throw new BadUserInputError(
      `${field} is a cursor of another order: page on with the orderBy it came from`,
      [{ field, message: 'cursor of another order (orderBy)' }],
    );
  }
  return { ...page, order, after };
}
