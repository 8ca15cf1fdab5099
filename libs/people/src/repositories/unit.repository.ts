import { type DataSource, In } from 'typeorm';
import { House, RealUnit, type UnitKind } from '../entities';
import type { ViewScope } from '../domain/scope';
import { applyScope, escapeLike } from './resident.repository';

export interface UnitQuery {
  streetId?: string;
  kind?: UnitKind;
  namePrefix?: string;
}

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

  list(
    q: UnitQuery,
    scope: ViewScope,
    limit: number,
    afterId: string | null,
    backward = false,
  ): Promise<RealUnit[]> {
    // Backward (last/before): the rows before the cursor, nearest first (the page helper reorders).
    const qb = this.filtered(q, scope)
      .orderBy('u.id', backward ? 'DESC' : 'ASC')
      .limit(limit);
    if (afterId !== null) qb.andWhere(`u.id ${backward ? '<' : '>'} :afterId`, { afterId });
    return qb.getMany();
  }

  count(q: UnitQuery, scope: ViewScope): Promise<number> {
    return this.filtered(q, scope).getCount();
  }
}
