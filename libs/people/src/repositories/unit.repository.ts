import { type DataSource, In } from 'typeorm';
import { applyKeyset, type ListOrder, ListOrders, type SortValue } from '@sc/db';
import { House, RealUnit, type UnitKind } from '../entities';
import type { ViewScope } from '../domain/scope';
import { applyScope, escapeLike } from './resident.repository';

export interface UnitQuery {
  streetId?: string;
  kind?: UnitKind;
  namePrefix?: string;
}

/** The orders of `units` (ADR 0051): the original one by id, and by name, ties by id; index (status, name, id). */
export const UNIT_ORDERS = new ListOrders<RealUnit, 'NAME'>(
  {
    name: 'ID',
    direction: 'ASC',
    legacy: true,
    columns: [{ column: 'u.id', kind: 'string', value: (u) => u.id }],
  },
  { NAME: [{ column: 'u.name', kind: 'string', value: (u) => u.name }] },
  { column: 'u.id', kind: 'string', value: (u) => u.id },
);

/** Read queries for units, their inspections and houses; batched by id lists. */
export class UnitRepository {
  constructor(private readonly ds: DataSource) {}

  findByIds(ids: readonly string[]): Promise<RealUnit[]> {
    return ids.length ? this.ds.getRepository(RealUnit).findBy({ id: In([...ids]) }) : Promise.resolve([]);
  }

  housesByAddress(addressIds: readonly string[]): Promise<House[]> {
    return addressIds.length
      ? this.ds.getRepository(House).findBy({ addressId: In([...addressIds]) })
      : Promise.resolve([]);
  }

  private filtered(q: UnitQuery, scope: ViewScope) {
    const qb = this.ds
      .getRepository(RealUnit)
      .createQueryBuilder('u')
      .where('u.status = :status', { status: 'ACTIVE' });
    if (q.streetId) qb.andWhere('u.street_id = :streetId', { streetId: q.streetId });
    if (q.kind) qb.andWhere('u.kind = :kind', { kind: q.kind });
    if (q.namePrefix) {
      qb.andWhere("u.name LIKE :prefix ESCAPE '!'", { prefix: `${escapeLike(q.namePrefix)}%` });
    }
    return applyScope(qb, 'u', scope, null);
  }

  /** Up to `limit` units past the cursor's values in `order`; backward: nearest first. */
  list(
    q: UnitQuery,
    scope: ViewScope,
    limit: number,
    after: SortValue[] | null,
    backward = false,
    order: ListOrder<RealUnit> = UNIT_ORDERS.original,
  ): Promise<RealUnit[]> {
    return applyKeyset(this.filtered(q, scope), order, after, backward, limit).getMany();
  }

  count(q: UnitQuery, scope: ViewScope): Promise<number> {
    return this.filtered(q, scope).getCount();
  }
}
