import type { z } from 'zod';
import { BadUserInputError } from './errors';
import { decodeCursor, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, type Page, type PageArgs } from '@sc/db';

export type { Page } from '@sc/db';

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

/** Checks `first`/`after`: `first` between 0 and the maximum, `after` a cursor we issued. */
export function parsePage(args: PageArgs, max = MAX_PAGE_SIZE): Page {
  const first = args.first ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(first) || first < 0 || first > max) {
    throw new BadUserInputError(`first must be between 0 and ${max}`, [
      { field: 'first', message: `must be between 0 and ${max}` },
    ]);
  }
  if (args.after === undefined || args.after === null) return { first, afterKey: null };
  const afterKey = decodeCursor(args.after);
  if (afterKey === null) {
    throw new BadUserInputError('after is not a valid cursor', [
      { field: 'after', message: 'not a valid cursor' },
    ]);
  }
  return { first, afterKey };
}
