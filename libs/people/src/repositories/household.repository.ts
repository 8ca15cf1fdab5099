import { type DataSource, In, IsNull, type SelectQueryBuilder } from 'typeorm';
import { applyKeyset, type ListOrder, ListOrders, type SortValue } from '@sc/db';
import { Household, HouseholdMember, StandardAddress } from '../entities';
import type { ViewScope } from '../domain/scope';
import { applyScope } from './resident.repository';

export interface HouseholdQuery {
  streetId?: string;
  courtyardId?: string;
  addressId?: string;
}

/**
 * The orders of `households` (ADR 0051): the original one by id, and by entry date (登记日期), ties
 * by id; index (status, entry_date, id).
 */
export const HOUSEHOLD_ORDERS = new ListOrders<Household, 'ENTRY_DATE'>(
  {
    name: 'ID',
    direction: 'ASC',
    legacy: true,
    columns: [{ column: 'h.id', kind: 'string', value: (h) => h.id }],
  },
  { ENTRY_DATE: [{ column: 'h.entry_date', kind: 'string', value: (h) => h.entryDate }] },
  { column: 'h.id', kind: 'string', value: (h) => h.id },
);

/** Read queries for households, their members and addresses; every one takes many ids at once. */
export class HouseholdRepository {
  constructor(private readonly ds: DataSource) {}

  findByIds(ids: readonly string[]): Promise<Household[]> {
    return ids.length ? this.ds.getRepository(Household).findBy({ id: In([...ids]) }) : Promise.resolve([]);
  }

  findAddresses(ids: readonly string[]): Promise<StandardAddress[]> {
    return ids.length
      ? this.ds.getRepository(StandardAddress).findBy({ id: In([...ids]) })
      : Promise.resolve([]);
  }

  /** Current members of many households in one statement, in joining order. */
  async currentMembers(householdIds: readonly string[]): Promise<Map<string, HouseholdMember[]>> {
    const rows = householdIds.length
      ? await this.ds.getRepository(HouseholdMember).find({
          where: { householdId: In([...householdIds]), leftAt: IsNull() },
          order: { joinedAt: 'ASC', id: 'ASC' },
        })
      : [];
    const map = new Map<string, HouseholdMember[]>(householdIds.map((id) => [id, []]));
    for (const m of rows) map.get(m.householdId)?.push(m);
    return map;
  }

  private filtered(q: HouseholdQuery, scope: ViewScope): SelectQueryBuilder<Household> {
    const qb = this.ds
      .getRepository(Household)
      .createQueryBuilder('h')
      .where('h.status = :status', { status: 'ACTIVE' });
    if (q.streetId) qb.andWhere('h.street_id = :streetId', { streetId: q.streetId });
    if (q.courtyardId) qb.andWhere('h.courtyard_id = :courtyardId', { courtyardId: q.courtyardId });
    if (q.addressId) qb.andWhere('h.address_id = :addressId', { addressId: q.addressId });
    // A resident's scope never lists households (checked by the service); no resident column here.
    return applyScope(qb, 'h', scope, null);
  }

  /** Up to `limit` households past the cursor's values in `order`; backward: nearest first. */
  list(
    q: HouseholdQuery,
    scope: ViewScope,
    limit: number,
    after: SortValue[] | null,
    backward = false,
    order: ListOrder<Household> = HOUSEHOLD_ORDERS.original,
  ): Promise<Household[]> {
    return applyKeyset(this.filtered(q, scope), order, after, backward, limit).getMany();
  }

  count(q: HouseholdQuery, scope: ViewScope): Promise<number> {
    return this.filtered(q, scope).getCount();
  }
}
