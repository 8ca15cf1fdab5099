import DataLoader from 'dataloader';
import { type DataSource, type EntityTarget, In, type ObjectLiteral } from 'typeorm';

/** Orders `rows` as `ids` asks, null where a row is missing (a DataLoader batch function's result). */
export function alignById<T extends { id: string }>(
  ids: readonly string[],
  rows: readonly T[],
): (T | null)[] {
  const map = new Map(rows.map((r) => [r.id, r]));
  return ids.map((id) => map.get(id) ?? null);
}

/**
 * Per-request by-id loaders, one per entity class: every `byId` of a tick becomes one
 * `WHERE id IN (…)` statement per entity. They load rows without access checks: services decide
 * what the caller may see.
 */
export class EntityLoaders {
  private readonly loaders = new Map<unknown, DataLoader<string, unknown>>();

  constructor(private readonly ds: DataSource) {}

  byId<T extends ObjectLiteral & { id: string }>(entity: EntityTarget<T>, id: string): Promise<T | null> {
    return this.loader(entity).load(id);
  }

  /** Puts rows a list query already read into the cache, so resolving them costs nothing more. */
  prime<T extends ObjectLiteral & { id: string }>(entity: EntityTarget<T>, rows: readonly T[]): void {
    const loader = this.loader(entity);
    for (const row of rows) loader.prime(row.id, row);
  }

  private loader<T extends ObjectLiteral & { id: string }>(
    entity: EntityTarget<T>,
  ): DataLoader<string, T | null> {
    let loader = this.loaders.get(entity) as DataLoader<string, T | null> | undefined;
    if (!loader) {
      loader = new DataLoader<string, T | null>(async (ids) => {
        const rows = await this.ds.getRepository(entity).findBy({ id: In([...ids]) } as never);
        return alignById(ids, rows);
      });
      this.loaders.set(entity, loader as DataLoader<string, unknown>);
    }
    return loader;
  }
}
