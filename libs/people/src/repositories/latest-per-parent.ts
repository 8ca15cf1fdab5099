import { type DataSource, type EntityTarget, In, type ObjectLiteral } from 'typeorm';

/** Where a child table's rows hang and how they are ordered, newest first. */
export interface LatestSpec<T> {
  entity: EntityTarget<T>;
  table: string;
  /** Column of the parent id (e.g. `unit_id`). */
  parentColumn: string;
  /** Column of the time the rows are ordered by (e.g. `visited_at`). */
  timeColumn: string;
  /** The same two as entity properties, for ordering the loaded rows and grouping them. */
  timeProperty: keyof T & string;
  parentOf: (row: T) => string;
}

/**
 * The latest `perParent` rows of many parents, newest first (ties by id): one ranked query for the ids
 * and one load of the rows, however many parents. Behind the DataLoaders of list fields such as
 * `Unit.inspections` and `Resident.moves`.
 */
export async function latestPerParent<T extends ObjectLiteral>(
  ds: DataSource,
  spec: LatestSpec<T>,
  parentIds: readonly string[],
  perParent: number,
): Promise<Map<string, T[]>> {
  const map = new Map<string, T[]>(parentIds.map((id) => [id, []]));
  if (parentIds.length === 0) return map;
  const ranked: { id: string }[] = await ds.query(
    `SELECT id FROM (
       SELECT id, ROW_NUMBER() OVER (PARTITION BY ${spec.parentColumn} ORDER BY ${spec.timeColumn} DESC, id DESC) AS rn
       FROM ${spec.table} WHERE ${spec.parentColumn} IN (${parentIds.map(() => '?').join(',')})
     ) ranked WHERE rn <= ?`,
    [...parentIds, perParent],
  );
  if (ranked.length === 0) return map;
  const rows = await ds.getRepository(spec.entity).find({
    where: { id: In(ranked.map((r) => r.id)) } as never,
    order: { [spec.timeProperty]: 'DESC', id: 'DESC' } as never,
  });
  for (const r of rows) map.get(spec.parentOf(r))?.push(r);
  return map;
}
