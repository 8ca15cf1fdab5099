import { type DataSource, type EntityTarget, In, type ObjectLiteral } from 'typeorm';

/** Where a child table's rows hang and how they are ordered, newest first. */
export interface ChildTableSpec<T> {
  entity: EntityTarget<T>;
  table: string;
  /** Column of the parent id (e.g. `unit_id`). */
  parentColumn: string;
  /** Column of the time the rows are ordered by (e.g. `visited_at`). */
  timeColumn: string;
}

/** One parent's page: `limit` rows, newest first, older than the row `afterId` when given. */
export interface ChildPageRequest {
  parentId: string;
  limit: number;
  /** Id of the last row of the previous page (the cursor); null for the newest rows. */
  afterId: string | null;
}

/** The key of a request in the map {@link pagePerParent} returns. */
export function childPageKey(r: ChildPageRequest): string {
  return `${r.parentId}\u0000${r.limit}\u0000${r.afterId ?? ''}`;
}

/**
 * Pages of a child table for many parents, newest first (ties by id), behind the DataLoaders of list
 * fields such as `Unit.inspections` and `Resident.moves`. The first pages of all parents (what a list of
 * residents with their moves asks for) come from one ranked query per page size, however many parents;
 * a page after a cursor (someone reading one resident's older moves) is one indexed query of its own.
 * The cursor is a row id: the row's time is looked up in the query, so no time value travels.
 */
export async function pagePerParent<T extends ObjectLiteral>(
  ds: DataSource,
  spec: ChildTableSpec<T>,
  requests: readonly ChildPageRequest[],
): Promise<Map<string, T[]>> {
  const idsByRequest = new Map<string, string[]>(requests.map((r) => [childPageKey(r), []]));
  const firstPages = new Map<number, Set<string>>();
  const later: ChildPageRequest[] = [];
  for (const r of requests) {
    if (r.afterId !== null) later.push(r);
    else firstPages.set(r.limit, (firstPages.get(r.limit) ?? new Set()).add(r.parentId));
  }
  const { table, parentColumn: parent, timeColumn: time } = spec;
  for (const [limit, parentSet] of firstPages) {
    const parentIds = [...parentSet];
    const ranked: { id: string; parent: string }[] = await ds.query(
      `SELECT id, parent FROM (
         SELECT id, ${parent} AS parent, ROW_NUMBER() OVER (PARTITION BY ${parent} ORDER BY ${time} DESC, id DESC) AS rn
         FROM ${table} WHERE ${parent} IN (${parentIds.map(() => '?').join(',')})
       ) ranked WHERE rn <= ? ORDER BY rn`,
      [...parentIds, limit],
    );
    for (const row of ranked) {
      idsByRequest.get(childPageKey({ parentId: row.parent, limit, afterId: null }))?.push(row.id);
    }
  }
  for (const r of later) {
    const rows: { id: string }[] = await ds.query(
      `SELECT c.id FROM ${table} c JOIN ${table} cur ON cur.id = ?
       WHERE c.${parent} = ? AND (c.${time} < cur.${time} OR (c.${time} = cur.${time} AND c.id < cur.id))
       ORDER BY c.${time} DESC, c.id DESC LIMIT ?`,
      [r.afterId, r.parentId, r.limit],
    );
    idsByRequest.set(
      childPageKey(r),
      rows.map((row) => row.id),
    );
  }
  const allIds = [...new Set([...idsByRequest.values()].flat())];
  // Unordered: each page is put in order from its ranked ids below.
  const loaded =
    allIds.length === 0 ? [] : await ds.getRepository(spec.entity).findBy({ id: In(allIds) } as never);
  const byId = new Map(loaded.map((row) => [String(row['id']), row]));
  const out = new Map<string, T[]>();
  for (const [key, ids] of idsByRequest) {
    // Newest first, as ranked (the ids came in order for each parent).
    out.set(
      key,
      ids.flatMap((id) => byId.get(id) ?? []),
    );
  }
  return out;
}

/** Number of child rows of each parent (0 for none): one grouped, indexed count for all of them. */
export async function countPerParent<T extends ObjectLiteral>(
  ds: DataSource,
  spec: ChildTableSpec<T>,
  parentIds: readonly string[],
): Promise<Map<string, number>> {
  const counts = new Map<string, number>(parentIds.map((id) => [id, 0]));
  if (parentIds.length === 0) return counts;
  const rows: { parent: string; n: number | string }[] = await ds.query(
    `SELECT ${spec.parentColumn} AS parent, COUNT(*) AS n FROM ${spec.table}
     WHERE ${spec.parentColumn} IN (${parentIds.map(() => '?').join(',')}) GROUP BY ${spec.parentColumn}`,
    [...parentIds],
  );
  for (const r of rows) counts.set(r.parent, Number(r.n));
  return counts;
}
