import { ListOrders, type OrderColumn } from '@sc/db';
import type { Matter, Meeting, Opinion } from './entities';

/**
 * The orders deliberation's lists offer (`orderBy`, ADR 0051); the original orders stay as they were,
 * with their bare cursors.
 */
const id = <T extends { id: string }>(alias: string): OrderColumn<T> => ({
  column: `${alias}.id`,
  kind: 'string',
  value: (r) => r.id,
});

/**
 * `matters`: the original order by id; by creation time or title, ties by id. Indexes (created_at, id),
 * (title, id) and, with the status filter, (status, created_at, id), (status, title, id).
 */
export const MATTER_ORDERS = new ListOrders<Matter, 'CREATED' | 'TITLE'>(
  { name: 'ID', direction: 'ASC', legacy: true, columns: [id('m')] },
  {
    CREATED: [{ column: 'm.created_at', kind: 'datetime', value: (m) => m.createdAt }],
    TITLE: [{ column: 'm.title', kind: 'string', value: (m) => m.title }],
  },
  id('m'),
);

/**
 * `Matter.opinions` and `Opinion.replies`: oldest first originally (row cursors); CREATED in either
 * direction (newest first with DESC), served by the (matter, depth, created_at, id) index both ways.
 */
export const OPINION_ORDERS = new ListOrders<Opinion, 'CREATED'>(
  { name: 'ROW', direction: 'ASC', legacy: true, columns: [id('o')] },
  { CREATED: [{ column: 'o.created_at', kind: 'datetime', value: (o) => o.createdAt }] },
  id('o'),
);

/** `Matter.meetings`: by start time originally; STARTS in either direction (index: matter, starts_at, id). */
export const MEETING_ORDERS = new ListOrders<Meeting, 'STARTS'>(
  { name: 'ROW', direction: 'ASC', legacy: true, columns: [id('g')] },
  { STARTS: [{ column: 'g.starts_at', kind: 'datetime', value: (g) => g.startsAt }] },
  id('g'),
);
