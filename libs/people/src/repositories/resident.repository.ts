import { type DataSource, In, type SelectQueryBuilder } from 'typeorm';
import { applyKeyset, type ListOrder, ListOrders, type SortValue } from '@sc/db';
import { Resident, type ResidentCategory, type ResidentStatus } from '../entities';
import type { ViewScope } from '../domain/scope';

/** A resident filter after validation; ID number and phone already turned into blind indexes. */
export interface ResidentQuery {
  streetId?: string;
  courtyardId?: string;
  addressId?: string;
  category?: ResidentCategory;
  status: ResidentStatus;
  namePrefix?: string;
  idNumberBidx?: string;
  phoneBidx?: string;
  origin?: string;
}

/** Narrows a query on a table with `street_id`/`courtyard_id` (and `id` for residents) to a scope. */
export function applyScope<T extends object>(
  qb: SelectQueryBuilder<T>,
  alias: string,
  scope: ViewScope,
  residentColumn: string | null,
): SelectQueryBuilder<T> {
  switch (scope.kind) {
    case 'all':
      return qb;
    case 'none':
      return qb.andWhere('1 = 0');
    case 'self':
      return residentColumn
        ? qb.andWhere(`${alias}.${residentColumn} = :selfId`, { selfId: scope.residentId })
        : qb.andWhere('1 = 0');
    case 'places': {
      const parts: string[] = [];
      if (scope.streetIds.length) parts.push(`${alias}.street_id IN (:...scopeStreets)`);
      if (scope.courtyardIds.length) parts.push(`${alias}.courtyard_id IN (:...scopeYards)`);
      if (parts.length === 0) return qb.andWhere('1 = 0');
      return qb.andWhere(`(${parts.join(' OR ')})`, {
        scopeStreets: scope.streetIds,
        scopeYards: scope.courtyardIds,
      });
    }
  }
}

/**
 * `%` and `_` typed by a user are literal characters in a prefix search. `!` is the escape
 * character: a backslash means different things in MySQL and SQLite string literals.
 */
export const escapeLike = (s: string) => s.replace(/[!%_]/g, (c) => `!${c}`);

/**
 * The orders of `residents` (ADR 0051): the original one by id (UUIDv7: about the order of
 * registration), by name (stored in clear, ADR 0010) and by move-in date (NULL first), ties by id.
 * Indexes (status, name, id) and (status, moved_in_at, id) serve them.
 */
export const RESIDENT_ORDERS = new ListOrders<Resident, 'NAME' | 'MOVED_IN'>(
  {
    name: 'ID',
    direction: 'ASC',
    legacy: true,
    columns: [{ column: 'r.id', kind: 'string', value: (r) => r.id }],
  },
  {
    NAME: [{ column: 'r.name', kind: 'string', value: (r) => r.name }],
    MOVED_IN: [{ column: 'r.moved_in_at', kind: 'string', value: (r) => r.movedInAt, nullable: true }],
  },
  { column: 'r.id', kind: 'string', value: (r) => r.id },
);

/**
 * Read queries for residents. Lists are keyset-paginated on the primary key (one index range per
 * page however deep); counts run the same WHERE without ORDER/LIMIT, only when asked for.
 */
export class ResidentRepository {
  constructor(private readonly ds: DataSource) {}

  findByIds(ids: readonly string[]): Promise<Resident[]> {
    return ids.length ? this.ds.getRepository(Resident).findBy({ id: In([...ids]) }) : Promise.resolve([]);
  }

  findByIdNumberBidx(bidx: string): Promise<Resident | null> {
    return this.ds.getRepository(Resident).findOneBy({ idNumberBidx: bidx });
  }

  private filtered(q: ResidentQuery, scope: ViewScope): SelectQueryBuilder<Resident> {
    const qb = this.ds.getRepository(Resident).createQueryBuilder('r').where('r.status = :status', {
      status: q.status,
    });
    if (q.streetId) qb.andWhere('r.street_id = :streetId', { streetId: q.streetId });
    if (q.courtyardId) qb.andWhere('r.courtyard_id = :courtyardId', { courtyardId: q.courtyardId });
    if (q.addressId) qb.andWhere('r.address_id = :addressId', { addressId: q.addressId });
    if (q.category) qb.andWhere('r.category = :category', { category: q.category });
    if (q.origin) qb.andWhere('r.origin = :origin', { origin: q.origin });
    if (q.idNumberBidx) qb.andWhere('r.id_number_bidx = :idb', { idb: q.idNumberBidx });
    if (q.phoneBidx) qb.andWhere('r.phone_bidx = :phb', { phb: q.phoneBidx });
    if (q.namePrefix) {
      qb.andWhere("r.name LIKE :prefix ESCAPE '!'", { prefix: `${escapeLike(q.namePrefix)}%` });
    }
    return applyScope(qb, 'r', scope, 'id');
  }

  /**
   * Up to `limit` residents past the cursor's values in `order` (default: id order). Backward
   * (last/before): the rows before them, nearest first (the page helper reorders).
   */
  list(
    q: ResidentQuery,
    scope: ViewScope,
    limit: number,
    after: SortValue[] | null,
    backward = false,
    order: ListOrder<Resident> = RESIDENT_ORDERS.original,
  ): Promise<Resident[]> {
    return applyKeyset(this.filtered(q, scope), order, after, backward, limit).getMany();
  }

  count(q: ResidentQuery, scope: ViewScope): Promise<number> {
    return this.filtered(q, scope).getCount();
  }
}
