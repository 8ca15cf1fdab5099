import DataLoader from 'dataloader';
import { type DataSource, type EntityTarget, In, type ObjectLiteral } from 'typeorm';
import { toConnection, type Connection, type PageArgs } from '@sc/db';
import { parsePage } from '@sc/graphql';
import { StreetChief } from './entities/chief.entity';
import type { Place, PlaceKind, PlaceStatus } from './entities/place.entity';
import type { Signboard } from './entities/signboard.entity';
import type { PlaceRepository, Via } from './repositories/place.repository';
import type { OwnedList, RosterRepository } from './repositories/roster.repository';
import { contentOf, loadSnapshot, type SignboardContent } from './services/signboard-content';

export interface PlaceConnection extends Connection<Place> {
  totalCount: () => Promise<number>;
}

export interface ListArgs {
  first?: number | null;
  after?: string | null;
  status?: PlaceStatus | null;
}

/**
 * Per-request loaders: one statement per kind of lookup however many parents a query touches.
 * List loaders are keyed by their arguments, then batched over owners.
 */
export class RosterLoaders {
  readonly placeById: DataLoader<string, Place | null>;
  private readonly lists = new Map<string, DataLoader<string, Place[]>>();
  private readonly counts = new Map<string, DataLoader<string, number>>();

  constructor(private readonly places: PlaceRepository) {
    this.placeById = new DataLoader(async (ids) => {
      const rows = await places.findByIds(ids);
      const byId = new Map(rows.map((p) => [p.id, p]));
      return ids.map((id) => byId.get(id) ?? null);
    });
  }

  communityByCode(code: string): Promise<Place | null> {
    return this.places.findCommunityByCode(code);
  }

  /** The place with this id if it is of the expected kind (a street id never resolves as a courtyard). */
  async place(id: string, kind: PlaceKind): Promise<Place | null> {
    const place = await this.placeById.load(id);
    return place?.kind === kind ? place : null;
  }

  /**
   * The place a row refers to (its parent, its community), for fields the schema declares non-null.
   * The foreign keys make it exist; if it does not, the data is broken and that is a fault to log,
   * not a null to hand the client.
   */
  async placeOf(id: string | null, kind: PlaceKind): Promise<Place> {
    const place = id === null ? null : await this.place(id, kind);
    if (!place) throw new Error(`referenced ${kind} ${id ?? '(no id)'} does not exist`);
    return place;
  }

  /** A page of `kind` under one owner, batched with the same field on sibling owners. */
  async children(kind: PlaceKind, via: Via, ownerId: string, args: ListArgs): Promise<PlaceConnection> {
    const page = parsePage(args);
    const status = args.status ?? 'ACTIVE';
    const key = `${kind}|${via}|${status}|${page.first}|${page.afterKey ?? ''}`;
    let loader = this.lists.get(key);
    if (!loader) {
      loader = new DataLoader(async (owners) => {
        const map = await this.places.childrenOf(owners, {
          kind,
          via,
          status,
          limit: page.first + 1,
          afterKey: page.afterKey,
        });
        return owners.map((o) => map.get(o) ?? []);
      });
      this.lists.set(key, loader);
    }
    const rows = page.first === 0 ? [] : await loader.load(ownerId);
    for (const p of rows) this.placeById.prime(p.id, p);
    return {
      ...toConnection(rows, page.first, (p) => p.sortKey),
      totalCount: () => this.count(kind, via, status, ownerId),
    };
  }

  private count(kind: PlaceKind, via: Via, status: PlaceStatus, ownerId: string): Promise<number> {
    const key = `${kind}|${via}|${status}`;
    let loader = this.counts.get(key);
    if (!loader) {
      loader = new DataLoader(async (owners) => {
        const map = await this.places.countChildren(owners, kind, via, status);
        return owners.map((o) => map.get(o) ?? 0);
      });
      this.counts.set(key, loader);
    }
    return loader.load(ownerId);
  }

  /** A top-level page with no owner filter. */
  async all(kind: PlaceKind, args: ListArgs): Promise<PlaceConnection> {
    const page = parsePage(args);
    const status = args.status ?? 'ACTIVE';
    const rows = page.first === 0 ? [] : await this.places.list(kind, status, page.first + 1, page.afterKey);
    for (const p of rows) this.placeById.prime(p.id, p);
    return {
      ...toConnection(rows, page.first, (p) => p.sortKey),
      totalCount: () => this.places.count(kind, status),
    };
  }
}

/** Any connection the roster serves: a page plus a lazily counted total. */
export interface CountedConnection<T> extends Connection<T> {
  totalCount: () => Promise<number>;
}

/**
 * Per-request loaders for grids, chiefs, signboards and activities: entities by id, the child lists
 * of many owners in one window-function statement (see {@link RosterRepository.pageByOwner}), and
 * signboard contents from one roster snapshot however many boards a query shows.
 */
export class ChiefLoaders {
  private readonly byIdLoaders = new Map<unknown, DataLoader<string, unknown>>();
  private readonly lists = new Map<string, DataLoader<string, { ref: string; sort: string }[]>>();
  private readonly counts = new Map<string, DataLoader<string, number>>();
  readonly chiefByGrid: DataLoader<string, StreetChief | null>;
  readonly signboardContent: DataLoader<Signboard, SignboardContent>;

  constructor(
    ds: DataSource,
    private readonly repo: RosterRepository,
  ) {
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

  /** An entity by id, batched per entity class. */
  byId<T extends ObjectLiteral & { id: string }>(entity: EntityTarget<T>, id: string): Promise<T | null> {
    let loader = this.byIdLoaders.get(entity) as DataLoader<string, T | null> | undefined;
    if (!loader) {
      loader = new DataLoader<string, T | null>(async (ids) => {
        const rows = await this.repo.findByIds(entity, ids);
        return ids.map((id) => rows.find((r) => r.id === id) ?? null);
      });
      this.byIdLoaders.set(entity, loader as DataLoader<string, unknown>);
    }
    return loader.load(id);
  }

  /** A page of an owner's child list, batched with the same list of sibling owners. */
  async owned<T>(
    list: OwnedList,
    ownerId: string,
    args: PageArgs,
    load: (ref: string) => Promise<T | null>,
  ): Promise<CountedConnection<T>> {
    const page = parsePage(args);
    const id = `${list.table}|${list.owner}|${JSON.stringify(list.where ?? {})}`;
    const key = `${id}|${page.first}|${page.afterKey ?? ''}`;
    let loader = this.lists.get(key);
    if (!loader) {
      loader = new DataLoader(async (owners) => {
        const map = await this.repo.pageByOwner(list, owners, page.first + 1, page.afterKey);
        return owners.map((o) => map.get(o) ?? []);
      });
      this.lists.set(key, loader);
    }
    const refs = page.first === 0 ? [] : await loader.load(ownerId);
    const rows = await Promise.all(refs.map(async (r) => ({ sort: r.sort, node: await load(r.ref) })));
    const present = rows.filter((r): r is { sort: string; node: Awaited<T> } => r.node !== null);
    const connection = toConnection(present, page.first, (r) => r.sort);
    return {
      edges: connection.edges.map((e) => ({ cursor: e.cursor, node: e.node.node })),
      nodes: connection.nodes.map((n) => n.node),
      pageInfo: connection.pageInfo,
      totalCount: () => this.countOwned(id, list, ownerId),
    };
  }

  private countOwned(id: string, list: OwnedList, ownerId: string): Promise<number> {
    let loader = this.counts.get(id);
    if (!loader) {
      loader = new DataLoader(async (owners) => {
        const map = await this.repo.countByOwner(list, owners);
        return owners.map((o) => map.get(o) ?? 0);
      });
      this.counts.set(id, loader);
    }
    return loader.load(ownerId);
  }

  /** A top-level page of a table by its unique sort column. */
  async top<T extends ObjectLiteral & { id: string }>(
    entity: EntityTarget<T>,
    table: string,
    sort: string,
    where: Record<string, string | number>,
    args: PageArgs,
    keyOf: (row: T) => string,
  ): Promise<CountedConnection<T>> {
    const page = parsePage(args);
    const ids =
      page.first === 0 ? [] : await this.repo.page(table, sort, where, page.first + 1, page.afterKey);
    const loaded: (T | null)[] = await Promise.all(ids.map((i) => this.byId<T>(entity, i)));
    const rows = loaded.filter((r): r is T => r !== null);
    return { ...toConnection(rows, page.first, keyOf), totalCount: () => this.repo.count(table, where) };
  }

  /** Streets with no appointed chief, in official order. */
  async uncoveredStreets(args: PageArgs, places: RosterLoaders): Promise<CountedConnection<Place>> {
    const page = parsePage(args);
    const ids = page.first === 0 ? [] : await this.repo.uncoveredStreetIds(page.first + 1, page.afterKey);
    const rows = (await Promise.all(ids.map((i) => places.place(i, 'STREET')))).filter(
      (p): p is Place => p !== null,
    );
    return {
      ...toConnection(rows, page.first, (p) => p.sortKey),
      totalCount: () => this.repo.countUncoveredStreets(),
    };
  }
}
