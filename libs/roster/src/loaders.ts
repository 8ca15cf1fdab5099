import DataLoader from 'dataloader';
import { toConnection, type Connection } from '@sc/db';
import { parsePage } from '@sc/graphql';
import type { Place, PlaceKind, PlaceStatus } from './entities/place.entity';
import type { PlaceRepository, Via } from './repositories/place.repository';

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
