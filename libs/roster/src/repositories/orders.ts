import { type ListOrder, ListOrders, type OrderColumn } from '@sc/db';
import type { Account } from '../entities/account.entity';
import type { StreetChief } from '../entities/chief.entity';
import type { Grid } from '../entities/grid.entity';
import type { Place } from '../entities/place.entity';

/**
 * The orders roster's lists offer (`orderBy`, ADR 0051). Columns of table lists use the alias `t`
 * (orderedTablePage); the original orders stay as they were, with their bare cursors. Each order has
 * an index on (the list's filters…, the column, id): see the entities.
 */
const bySortKey = <T extends { sortKey: string }>(): ListOrder<T> => ({
  name: 'SORT_KEY',
  direction: 'ASC',
  legacy: true,
  columns: [{ column: 't.sort_key', kind: 'string', value: (r) => r.sortKey }],
});
const id = <T extends { id: string }>(alias = 't'): OrderColumn<T> => ({
  column: `${alias}.id`,
  kind: 'string',
  value: (r) => r.id,
});

/** `chiefs(status)`: the original creation order; by name; by the date appointed (term start; none first). */
export const CHIEF_ORDERS = new ListOrders<StreetChief, 'NAME' | 'APPOINTED'>(
  bySortKey(),
  {
    NAME: [{ column: 't.name', kind: 'string', value: (c) => c.name }],
    APPOINTED: [{ column: 't.term_start', kind: 'datetime', value: (c) => c.termStart, nullable: true }],
  },
  id(),
);

/** `streets`, `communities`: the original official order; by name. */
export const PLACE_ORDERS = new ListOrders<Place, 'NAME'>(
  bySortKey(),
  { NAME: [{ column: 't.name', kind: 'string', value: (p) => p.name }] },
  id(),
);

/** `grids`: the original creation order; by name. */
export const GRID_ORDERS = new ListOrders<Grid, 'NAME'>(
  bySortKey(),
  { NAME: [{ column: 't.name', kind: 'string', value: (g) => g.name }] },
  id(),
);

/** `accounts`: the original order by username (unique); by display name; by creation time. */
export const ACCOUNT_ORDERS = new ListOrders<Account, 'DISPLAY_NAME' | 'CREATED'>(
  {
    name: 'USERNAME',
    direction: 'ASC',
    legacy: true,
    columns: [{ column: 'a.username', kind: 'string', value: (a) => a.username }],
  },
  {
    DISPLAY_NAME: [{ column: 'a.display_name', kind: 'string', value: (a) => a.displayName }],
    CREATED: [{ column: 'a.created_at', kind: 'datetime', value: (a) => a.createdAt }],
  },
  id('a'),
);
