import DataLoader from 'dataloader';
import { toConnection, type Connection } from '@sc/db';
import type { Page } from '@sc/graphql';
import type {
  House,
  Household,
  HouseholdMember,
  RealUnit,
  Resident,
  ResidentMove,
  StandardAddress,
  UnitInspection,
} from './entities';
import type { HouseholdQuery, HouseholdRepository } from './repositories/household.repository';
import { type ChildPageRequest, childPageKey } from './repositories/child-pages';
import type { ResidentQuery, ResidentRepository } from './repositories/resident.repository';
import type { UnitQuery, UnitRepository } from './repositories/unit.repository';
import type { ViewScope } from './services/access';

/** A page plus a total that is counted only when the query selects `totalCount`. */
export interface CountedConnection<T> extends Connection<T> {
  totalCount: () => Promise<number>;
}

/** Pages of a child list for many parents (see `pagePerParent`), one batch per tick. */
function childPageLoader<T>(
  load: (requests: readonly ChildPageRequest[]) => Promise<Map<string, T[]>>,
): DataLoader<ChildPageRequest, T[], string> {
  return new DataLoader(
    async (requests) => {
      const map = await load(requests);
      return requests.map((r) => map.get(childPageKey(r)) ?? []);
    },
    { cacheKeyFn: childPageKey },
  );
}

/** Counts per parent id, 0 when a parent has none. */
function countLoader(
  load: (ids: readonly string[]) => Promise<Map<string, number>>,
): DataLoader<string, number> {
  return new DataLoader(async (ids) => {
    const map = await load(ids);
    return ids.map((id) => map.get(id) ?? 0);
  });
}

/** One parent's page of a child list, fetched one row long to know whether another page follows. */
async function childPage<T extends { id: string }>(
  pages: DataLoader<ChildPageRequest, T[], string>,
  counts: DataLoader<string, number>,
  parentId: string,
  page: Page,
): Promise<CountedConnection<T>> {
  const rows =
    page.first === 0 ? [] : await pages.load({ parentId, limit: page.first + 1, afterId: page.afterKey });
  return { ...toConnection(rows, page.first, (r) => r.id), totalCount: () => counts.load(parentId) };
}

const byId = <T extends { id: string }>(ids: readonly string[], rows: T[]): (T | null)[] => {
  const map = new Map(rows.map((r) => [r.id, r]));
  return ids.map((id) => map.get(id) ?? null);
};

/**
 * Per-request loaders: one statement per kind of lookup however many residents, households or
 * addresses a query touches. They load rows without access checks; the services decide what the
 * caller may see.
 */
export class PeopleLoaders {
  readonly resident: DataLoader<string, Resident | null>;
  readonly household: DataLoader<string, Household | null>;
  readonly address: DataLoader<string, StandardAddress | null>;
  readonly members: DataLoader<string, HouseholdMember[]>;
  readonly unit: DataLoader<string, RealUnit | null>;
  /** Pages of inspections per unit (up to `limit` rows; ask one more than the page to know if more follow). */
  readonly inspections: DataLoader<ChildPageRequest, UnitInspection[], string>;
  readonly inspectionCount: DataLoader<string, number>;
  readonly houseByAddress: DataLoader<string, House | null>;
  /** Pages of moves per resident (as inspections). */
  readonly moves: DataLoader<ChildPageRequest, ResidentMove[], string>;
  readonly moveCount: DataLoader<string, number>;

  constructor(
    private readonly residents: ResidentRepository,
    private readonly households: HouseholdRepository,
    private readonly units: UnitRepository,
  ) {
    this.unit = new DataLoader(async (ids) => byId(ids, await units.findByIds(ids)));
    this.inspections = childPageLoader((requests) => units.inspections(requests));
    this.inspectionCount = countLoader((ids) => units.inspectionCounts(ids));
    this.houseByAddress = new DataLoader(async (ids) => {
      const houses = new Map((await units.housesByAddress(ids)).map((h) => [h.addressId, h]));
      return ids.map((id) => houses.get(id) ?? null);
    });
    this.resident = new DataLoader(async (ids) => byId(ids, await residents.findByIds(ids)));
    this.moves = childPageLoader((requests) => residents.moves(requests));
    this.moveCount = countLoader((ids) => residents.moveCounts(ids));
    this.household = new DataLoader(async (ids) => byId(ids, await households.findByIds(ids)));
    this.address = new DataLoader(async (ids) => byId(ids, await households.findAddresses(ids)));
    this.members = new DataLoader(async (ids) => {
      const map = await households.currentMembers(ids);
      return ids.map((id) => map.get(id) ?? []);
    });
  }

  async residentPage(q: ResidentQuery, scope: ViewScope, page: Page): Promise<CountedConnection<Resident>> {
    const rows = page.first === 0 ? [] : await this.residents.list(q, scope, page.first + 1, page.afterKey);
    for (const r of rows) this.resident.prime(r.id, r);
    return {
      ...toConnection(rows, page.first, (r) => r.id),
      totalCount: () => this.residents.count(q, scope),
    };
  }

  async householdPage(
    q: HouseholdQuery,
    scope: ViewScope,
    page: Page,
  ): Promise<CountedConnection<Household>> {
    const rows = page.first === 0 ? [] : await this.households.list(q, scope, page.first + 1, page.afterKey);
    for (const h of rows) this.household.prime(h.id, h);
    return {
      ...toConnection(rows, page.first, (h) => h.id),
      totalCount: () => this.households.count(q, scope),
    };
  }

  /** A page of a resident's moves, newest first (first pages of many residents load together). */
  movePage(residentId: string, page: Page): Promise<CountedConnection<ResidentMove>> {
    return childPage(this.moves, this.moveCount, residentId, page);
  }

  /** A page of a unit's safety-check visits, newest first (as movePage). */
  inspectionPage(unitId: string, page: Page): Promise<CountedConnection<UnitInspection>> {
    return childPage(this.inspections, this.inspectionCount, unitId, page);
  }

  async unitPage(q: UnitQuery, scope: ViewScope, page: Page): Promise<CountedConnection<RealUnit>> {
    const rows = page.first === 0 ? [] : await this.units.list(q, scope, page.first + 1, page.afterKey);
    for (const u of rows) this.unit.prime(u.id, u);
    return { ...toConnection(rows, page.first, (u) => u.id), totalCount: () => this.units.count(q, scope) };
  }
}
