import { type DataSource, In } from 'typeorm';
import { House, RealUnit, UnitInspection, type UnitKind } from '../entities';
import type { ViewScope } from '../services/access';
import { applyScope, escapeLike } from './resident.repository';
import { type ChildPageRequest, countPerParent, type ChildTableSpec, pagePerParent } from './child-pages';

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

  /** Pages of visits, newest first, keyed by `childPageKey` (first pages of all units in one query). */
  inspections(requests: readonly ChildPageRequest[]): Promise<Map<string, UnitInspection[]>> {
    return pagePerParent(this.ds, INSPECTIONS, requests);
  }

  /** Number of visits of each unit. */
  inspectionCounts(unitIds: readonly string[]): Promise<Map<string, number>> {
    return countPerParent(this.ds, INSPECTIONS, unitIds);
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

  list(q: UnitQuery, scope: ViewScope, limit: number, afterId: string | null): Promise<RealUnit[]> {
    const qb = this.filtered(q, scope).orderBy('u.id', 'ASC').limit(limit);
    if (afterId !== null) qb.andWhere('u.id > :afterId', { afterId });
    return qb.getMany();
  }

  count(q: UnitQuery, scope: ViewScope): Promise<number> {
    return this.filtered(q, scope).getCount();
  }
}

const INSPECTIONS: ChildTableSpec<UnitInspection> = {
  entity: UnitInspection,
  table: 'unit_inspection',
  parentColumn: 'unit_id',
  timeColumn: 'visited_at',
};
