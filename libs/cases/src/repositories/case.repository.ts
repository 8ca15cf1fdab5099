import { Brackets, type DataSource, In, type SelectQueryBuilder } from 'typeorm';
import type { CaseChannel, CaseState } from '@sc/cases-contracts';
import { applyKeyset, type ListOrder, ListOrders, type SortValue } from '@sc/db';
import { OPEN_STATES } from '../domain/lifecycle';
import { CaseRecord } from '../entities';
import type { CaseScope } from '../services/access';

export interface CaseQuery {
  states?: CaseState[];
  streetId?: string;
  gridId?: string;
  categoryCode?: string;
  itemCode?: string;
  channel?: CaseChannel;
  overdue?: boolean;
  /** Set by the service for `overdue`: the time "now" is. */
  now?: Date;
}

/** Applies a caller's scope to a query over `case_record` (alias `c`). */
export function applyCaseScope(
  qb: SelectQueryBuilder<CaseRecord>,
  scope: Exclude<CaseScope, { kind: 'none' }>,
): SelectQueryBuilder<CaseRecord> {
  switch (scope.kind) {
    case 'all':
      return qb;
    case 'grids':
      return scope.gridIds.length === 0
        ? qb.andWhere('1 = 0')
        : qb.andWhere('c.grid_id IN (:...scopeGrids)', { scopeGrids: scope.gridIds });
    case 'escalated':
      return qb.andWhere("c.escalation_level <> 'NONE'");
    case 'own':
      return qb.andWhere('c.reporter_resident_id = :scopeResident', { scopeResident: scope.residentId });
  }
}

/** SQL of "past a deadline it has not met" at `:now` (alias `c`). */
export const OVERDUE_SQL = `((c.respond_due_at < :now AND c.responded_at IS NULL AND c.status IN (:...openStates))
  OR (c.resolve_due_at < :now AND c.status IN (:...openStates)))`;

/**
 * The orders of `cases` (ADR 0051): the original one, newest first (sort_key, unique), and by when
 * reported, by the resolution deadline (none yet — not accepted — first in ASC), by the last change;
 * ties by id. Indexes (column, id) and (grid_id, column, id) serve the community and a chief's grid.
 */
export const CASE_ORDERS = new ListOrders<CaseRecord, 'REPORTED' | 'DUE' | 'UPDATED'>(
  {
    name: 'NEWEST',
    direction: 'DESC',
    legacy: true,
    columns: [{ column: 'c.sort_key', kind: 'string', value: (c) => c.sortKey }],
  },
  {
    REPORTED: [{ column: 'c.reported_at', kind: 'datetime', value: (c) => c.reportedAt }],
    DUE: [{ column: 'c.resolve_due_at', kind: 'datetime', value: (c) => c.resolveDueAt, nullable: true }],
    UPDATED: [{ column: 'c.updated_at', kind: 'datetime', value: (c) => c.updatedAt }],
  },
  { column: 'c.id', kind: 'string', value: (c) => c.id },
);

/** Read queries over cases; every filter is served by an index on (column, sort_key). */
export class CaseRepository {
  constructor(private readonly ds: DataSource) {}

  findByIds(ids: readonly string[]): Promise<CaseRecord[]> {
    return ids.length ? this.ds.getRepository(CaseRecord).findBy({ id: In([...ids]) }) : Promise.resolve([]);
  }

  private filtered(q: CaseQuery, scope: Exclude<CaseScope, { kind: 'none' }>) {
    const qb = this.ds.getRepository(CaseRecord).createQueryBuilder('c');
    if (q.states?.length) qb.andWhere('c.status IN (:...states)', { states: q.states });
    if (q.streetId) qb.andWhere('c.street_id = :streetId', { streetId: q.streetId });
    if (q.gridId) qb.andWhere('c.grid_id = :gridId', { gridId: q.gridId });
    if (q.categoryCode) qb.andWhere('c.category_code = :categoryCode', { categoryCode: q.categoryCode });
    if (q.itemCode) qb.andWhere('c.item_code = :itemCode', { itemCode: q.itemCode });
    if (q.channel) qb.andWhere('c.channel = :channel', { channel: q.channel });
    if (q.overdue !== undefined) {
      const params = { now: q.now ?? new Date(), openStates: OPEN_STATES };
      qb.andWhere(
        new Brackets((b) => {
          if (q.overdue) b.where(OVERDUE_SQL, params);
          else b.where(`NOT ${OVERDUE_SQL}`, params);
        }),
      );
    }
    return applyCaseScope(qb, scope);
  }

  list(
    q: CaseQuery,
    scope: Exclude<CaseScope, { kind: 'none' }>,
    limit: number,
    after: SortValue[] | null,
    backward = false,
    order: ListOrder<CaseRecord> = CASE_ORDERS.original,
  ): Promise<CaseRecord[]> {
    // Newest first by default; backward (last/before) reads the other way from the cursor.
    return applyKeyset(this.filtered(q, scope), order, after, backward, limit).getMany();
  }

  count(q: CaseQuery, scope: Exclude<CaseScope, { kind: 'none' }>): Promise<number> {
    return this.filtered(q, scope).getCount();
  }
}
