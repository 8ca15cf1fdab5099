import { type DataSource, type EntityTarget, type ObjectLiteral, In } from 'typeorm';

/** A child table listed per owner: which columns, and an optional fixed filter. */
export interface OwnedList {
  table: string;
  owner: string;
  /** Unique within an owner; the cursor. */
  sort: string;
  /** Returned column identifying the row (the primary key, or the referenced id). */
  select: string;
  /** Extra equality filters, e.g. `{ kind: 'STREET' }`. */
  where?: Record<string, string>;
}

/**
 * Generic batched reads for the roster's child lists (grid members, chief history, attendance,
 * patrols): one statement for many owners, each served by an index on (owner, …, sort).
 */
export class RosterRepository {
  constructor(private readonly ds: DataSource) {}

  findByIds<T extends ObjectLiteral>(entity: EntityTarget<T>, ids: readonly string[]): Promise<T[]> {
    if (ids.length === 0) return Promise.resolve([]);
    return this.ds.getRepository(entity).findBy({ id: In([...ids]) } as never);
  }

  /** Up to `limit` rows per owner past the cursor, in sort order, as `{ owner, ref, sort }`. */
  async pageByOwner(
    list: OwnedList,
    ownerIds: readonly string[],
    limit: number,
    afterKey: string | null,
  ): Promise<Map<string, { ref: string; sort: string }[]>> {
    const filters = Object.entries(list.where ?? {});
    const params: unknown[] = [...ownerIds, ...filters.map(([, v]) => v)];
    const after = afterKey === null ? '' : `AND ${list.sort} > ?`;
    if (afterKey !== null) params.push(afterKey);
    params.push(limit);
    const rows: { owner: string; ref: string; sort: string | number }[] = await this.ds.query(
      `SELECT owner, ref, sort FROM (
         SELECT ${list.owner} AS owner, ${list.select} AS ref, ${list.sort} AS sort,
                ROW_NUMBER() OVER (PARTITION BY ${list.owner} ORDER BY ${list.sort}) AS rn
         FROM ${list.table}
         WHERE ${list.owner} IN (${ownerIds.map(() => '?').join(',')})
           ${filters.map(([k]) => `AND ${k} = ?`).join(' ')} ${after}
       ) ranked WHERE rn <= ? ORDER BY owner, sort`,
      params,
    );
    const byOwner = new Map<string, { ref: string; sort: string }[]>(ownerIds.map((id) => [id, []]));
    for (const r of rows) byOwner.get(r.owner)?.push({ ref: r.ref, sort: String(r.sort) });
    return byOwner;
  }

  /** Row counts per owner in one GROUP BY. */
  async countByOwner(list: OwnedList, ownerIds: readonly string[]): Promise<Map<string, number>> {
    const filters = Object.entries(list.where ?? {});
    const rows: { owner: string; n: number | string }[] = await this.ds.query(
      `SELECT ${list.owner} AS owner, COUNT(*) AS n FROM ${list.table}
       WHERE ${list.owner} IN (${ownerIds.map(() => '?').join(',')})
         ${filters.map(([k]) => `AND ${k} = ?`).join(' ')}
       GROUP BY ${list.owner}`,
      [...ownerIds, ...filters.map(([, v]) => v)],
    );
    return new Map(rows.map((r) => [r.owner, Number(r.n)]));
  }

  /** A top-level page of a table ordered by a unique sort column, with equality filters. */
  async page(
    table: string,
    sort: string,
    where: Record<string, string | number | boolean>,
    limit: number,
    afterKey: string | null,
  ): Promise<string[]> {
    const filters = Object.entries(where);
    const params: unknown[] = filters.map(([, v]) => v);
    const conditions = filters.map(([k]) => `${k} = ?`);
    if (afterKey !== null) {
      conditions.push(`${sort} > ?`);
      params.push(afterKey);
    }
    params.push(limit);
    const rows: { id: string }[] = await this.ds.query(
      `SELECT id FROM ${table} ${conditions.length ? `WHERE ${conditions.join(' AND ')}` : ''}
       ORDER BY ${sort} LIMIT ?`,
      params,
    );
    return rows.map((r) => r.id);
  }

  async count(table: string, where: Record<string, string | number | boolean>): Promise<number> {
    const filters = Object.entries(where);
    const rows: { n: number | string }[] = await this.ds.query(
      `SELECT COUNT(*) AS n FROM ${table} ${filters.length ? `WHERE ${filters.map(([k]) => `${k} = ?`).join(' AND ')}` : ''}`,
      filters.map(([, v]) => v),
    );
    return Number(rows[0]?.n ?? 0);
  }

  /** Active streets whose grid has no APPOINTED chief (or that are in no grid), in official order. */
  async uncoveredStreetIds(limit: number, afterKey: string | null): Promise<string[]> {
    const rows: { id: string }[] = await this.ds.query(
      `SELECT p.id FROM place p
       WHERE p.kind = 'STREET' AND p.status = 'ACTIVE' ${afterKey === null ? '' : 'AND p.sort_key > ?'}
         AND NOT EXISTS (
           SELECT 1 FROM grid_member gm
           JOIN street_chief c ON c.held_grid_id = gm.grid_id AND c.status = 'APPOINTED'
           WHERE gm.place_id = p.id)
       ORDER BY p.sort_key LIMIT ?`,
      afterKey === null ? [limit] : [afterKey, limit],
    );
    return rows.map((r) => r.id);
  }

  async countUncoveredStreets(): Promise<number> {
    const rows: { n: number | string }[] = await this.ds.query(
      `SELECT COUNT(*) AS n FROM place p
       WHERE p.kind = 'STREET' AND p.status = 'ACTIVE'
         AND NOT EXISTS (
           SELECT 1 FROM grid_member gm
           JOIN street_chief c ON c.held_grid_id = gm.grid_id AND c.status = 'APPOINTED'
           WHERE gm.place_id = p.id)`,
    );
    return Number(rows[0]?.n ?? 0);
  }
}
