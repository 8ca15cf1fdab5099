import { type DataSource, In } from 'typeorm';
import { Place, type PlaceKind, type PlaceStatus } from '../entities/place.entity';

/** Which column ties a child list to its owner: the direct parent, or the community (any depth). */
export type Via = 'parent' | 'community';
const OWNER_COLUMN: Record<Via, string> = { parent: 'parent_id', community: 'community_id' };

export interface ChildrenQuery {
  kind: PlaceKind;
  via: Via;
  status: PlaceStatus;
  /** Rows to return per owner (callers ask for one more than the page to learn hasNextPage). */
  limit: number;
  afterKey: string | null;
}

/**
 * Read queries for places. Each takes many owners at once, so DataLoaders turn N nested fields
 * into one statement; each is served by one of the place indexes (kind, owner, status, sort_key).
 */
export class PlaceRepository {
  constructor(private readonly ds: DataSource) {}

  findByIds(ids: readonly string[]): Promise<Place[]> {
    return this.ds.getRepository(Place).findBy({ id: In([...ids]) });
  }

  findCommunityByCode(code: string): Promise<Place | null> {
    return this.ds.getRepository(Place).findOneBy({ kind: 'COMMUNITY', code });
  }

  /** Up to `limit` children per owner in official order, past the cursor, in one statement. */
  async childrenOf(ownerIds: readonly string[], q: ChildrenQuery): Promise<Map<string, Place[]>> {
    const owner = OWNER_COLUMN[q.via];
    const params: unknown[] = [q.kind, q.status, ...ownerIds];
    const after = q.afterKey === null ? '' : 'AND sort_key > ?';
    if (q.afterKey !== null) params.push(q.afterKey);
    params.push(q.limit);
    const rows: { id: string }[] = await this.ds.query(
      `SELECT id FROM (
         SELECT id, sort_key, ROW_NUMBER() OVER (PARTITION BY ${owner} ORDER BY sort_key) AS rn
         FROM place
         WHERE kind = ? AND status = ? AND ${owner} IN (${ownerIds.map(() => '?').join(',')}) ${after}
       ) ranked WHERE rn <= ? ORDER BY sort_key`,
      params,
    );
    const places = rows.length ? await this.findByIds(rows.map((r) => r.id)) : [];
    places.sort((a, b) => (a.sortKey < b.sortKey ? -1 : 1));
    const byOwner = new Map<string, Place[]>(ownerIds.map((id) => [id, []]));
    for (const p of places) {
      const key = q.via === 'parent' ? p.parentId : p.communityId;
      if (key) byOwner.get(key)?.push(p);
    }
    return byOwner;
  }

  /** Child counts per owner in one GROUP BY. */
  async countChildren(
    ownerIds: readonly string[],
    kind: PlaceKind,
    via: Via,
    status: PlaceStatus,
  ): Promise<Map<string, number>> {
    const owner = OWNER_COLUMN[via];
    const rows: { owner: string; n: number | string }[] = await this.ds.query(
      `SELECT ${owner} AS owner, COUNT(*) AS n FROM place
       WHERE kind = ? AND status = ? AND ${owner} IN (${ownerIds.map(() => '?').join(',')})
       GROUP BY ${owner}`,
      [kind, status, ...ownerIds],
    );
    return new Map(rows.map((r) => [r.owner, Number(r.n)]));
  }

  /** A page of places of one kind with no owner filter (e.g. all communities). */
  list(kind: PlaceKind, status: PlaceStatus, limit: number, afterKey: string | null): Promise<Place[]> {
    const qb = this.ds
      .getRepository(Place)
      .createQueryBuilder('p')
      .where('p.kind = :kind AND p.status = :status', { kind, status })
      .orderBy('p.sort_key', 'ASC')
      .limit(limit);
    if (afterKey !== null) qb.andWhere('p.sort_key > :afterKey', { afterKey });
    return qb.getMany();
  }

  count(kind: PlaceKind, status: PlaceStatus): Promise<number> {
    return this.ds.getRepository(Place).countBy({ kind, status });
  }
}
