import DataLoader from 'dataloader';
import { type DataSource, type EntityTarget, In, type ObjectLiteral } from 'typeorm';
import {
  ChildLists,
  type CountedConnection,
  EntityLoaders,
  fetchOrderedPage,
  fetchPage,
  type ListOrder,
  type OrderedPage,
  type OrderedTableSpec,
  orderedTablePage,
  type Page,
  tableCount,
  type TableListSpec,
} from '@sc/db';
import { StreetChief } from './entities/chief.entity';
import { Place, type PlaceKind, type PlaceStatus } from './entities/place.entity';
import type { Signboard } from './entities/signboard.entity';
import { placeList, type Via } from './repositories/lists';
import type { RosterRepository } from './repositories/roster.repository';
import { contentOf, loadSnapshot, type SignboardContent } from './services/signboard-content';

/**
 * Per-request loaders: one statement per kind of lookup however many parents a query touches —
 * entities by id, child lists of many owners (see `ChildLists`), the chief holding each grid, and
 * signboard contents from one roster snapshot. They read without access checks: services decide.
 */
export class RosterLoaders {
  readonly entities: EntityLoaders;
  readonly lists: ChildLists;
  readonly chiefByGrid: DataLoader<string, StreetChief | null>;
  readonly signboardContent: DataLoader<Signboard, SignboardContent, string>;

  constructor(
    private readonly ds: DataSource,
    private readonly repo: RosterRepository,
  ) {
    this.entities = new EntityLoaders(ds);
    this.lists = new ChildLists(ds);
    this.chiefByGrid = new DataLoader(async (gridIds) => {
      const rows = await ds.getRepository(StreetChief).findBy({ heldGridId: In([...gridIds]) });
      return gridIds.map((g) => rows.find((c) => c.heldGridId === g) ?? null);
    });
    this.signboardContent = new DataLoader(
      async (boards) => {
        const snapshot = await loadSnapshot(
          ds.manager,
          boards.flatMap((b) => [b.placeId, b.scopePlaceId]),
        );
        return boards.map((b) => contentOf(b, snapshot));
      },
      { cacheKeyFn: (b) => b.id },
    );
  }

  communityByCode(code: string): Promise<Place | null> {
    return this.ds.getRepository(Place).findOneBy({ kind: 'COMMUNITY', code });
  }

  /** The place with this id if it is of the expected kind (a street id never resolves as a courtyard). */
  async place(id: string, kind?: PlaceKind): Promise<Place | null> {
    const place = await this.entities.byId(Place, id);
    return place && (kind === undefined || place.kind === kind) ? place : null;
  }

  /** A page of `kind` under one owner, batched with the same field on sibling owners. */
  placeChildren(
    kind: PlaceKind,
    via: Via,
    ownerId: string,
    status: PlaceStatus,
    page: Page,
  ): Promise<CountedConnection<Place>> {
    return this.lists.page(placeList(kind, via, status), ownerId, page, (id) => this.place(id, kind));
  }

  /**
   * A top-level page of places of one kind (e.g. all communities), optionally under one owner (a
   * `streets(residentGroupId | communityId, orderBy)` page), in the page's order.
   */
  places(
    kind: PlaceKind,
    status: PlaceStatus,
    page: OrderedPage<Place>,
    owner?: { via: Via; id: string },
  ): Promise<CountedConnection<Place>> {
    const where: Record<string, string> = { kind, status };
    if (owner) where[owner.via === 'parent' ? 'parent_id' : 'community_id'] = owner.id;
    return this.ordered(Place, { table: 'place', where }, page);
  }

  /** A top-level page of a table by its unique sort column, rows through the by-id loader. */
  top<T extends ObjectLiteral & { id: string }>(
    entity: EntityTarget<T>,
    spec: TableListSpec,
    page: Page,
    keyOf: (row: T) => string,
  ): Promise<CountedConnection<T>> {
    const order: ListOrder<T> = {
      name: spec.sortColumn,
      direction: 'ASC',
      legacy: true,
      columns: [{ column: `t.${spec.sortColumn}`, kind: 'string', value: keyOf }],
    };
    return this.ordered(entity, spec, {
      ...page,
      order,
      after: page.afterKey === null ? null : [page.afterKey],
    });
  }

  /** A top-level page of a table under an order (ADR 0051), rows through the by-id loader. */
  ordered<T extends ObjectLiteral & { id: string }>(
    entity: EntityTarget<T>,
    spec: OrderedTableSpec,
    page: OrderedPage<T>,
  ): Promise<CountedConnection<T>> {
    return fetchOrderedPage(
      page,
      async (limit, after, backward) => {
        const ids = await orderedTablePage(this.ds, spec, page.order, limit, after, backward);
        const rows: (T | null)[] = await Promise.all(ids.map((id) => this.entities.byId<T>(entity, id)));
        return rows.filter((r): r is T => r !== null);
      },
      () => tableCount(this.ds, spec),
    );
  }

  /** Streets with no appointed chief, in official order. */
  uncoveredStreets(page: Page): Promise<CountedConnection<Place>> {
    return fetchPage(
      page,
      async (limit, after, backward) => {
        const ids = await this.repo.uncoveredStreetIds(limit, after, backward);
        const rows = await Promise.all(ids.map((id) => this.place(id, 'STREET')));
        return rows.filter((p): p is Place => p !== null);
      },
      (p) => p.sortKey,
      () => this.repo.countUncoveredStreets(),
    );
  }
}
