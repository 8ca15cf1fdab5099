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

  /**
   * A row another row points at (a patrol's chief, a board's place). Its absence is a broken
   * reference, not a user error: the fault names what is missing.
   */
  async required<T extends ObjectLiteral & { id: string }>(entity: EntityTarget<T>, id: string): Promise<T> {
    const row = await this.byId(entity, id);
    if (!row) throw new Error(`${entityName(entity)} ${id} is referenced but does not exist`);
    return row;
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

function entityName(entity: EntityTarget<ObjectLiteral>): string {
  if (typeof entity === 'string') return entity;
  if (typeof entity === 'function') return entity.name;
  return 'name' in entity && typeof entity.name === 'string' ? entity.name : 'row';
}
