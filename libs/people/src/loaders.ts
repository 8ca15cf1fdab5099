import DataLoader from 'dataloader';
import type { DataSource } from 'typeorm';
import {
  alignById,
  ChildLists,
  type ChildListSpec,
  type CountedConnection,
  EntityLoaders,
  fetchOrderedPage,
  type OrderedPage,
  type Page,
} from '@sc/db';
import type { ViewScope } from './domain/scope';
import {
  type House,
  type Household,
  type HouseholdMember,
  type RealUnit,
  type Resident,
  ResidentMove,
  type StandardAddress,
  UnitInspection,
} from './entities';
import type { HouseholdQuery, HouseholdRepository } from './repositories/household.repository';
import type { ResidentQuery, ResidentRepository } from './repositories/resident.repository';
import type { PeopleTally, StatsRepository } from './repositories/stats.repository';
import type { UnitQuery, UnitRepository } from './repositories/unit.repository';

/** Newest first, ties by id; the cursor is a row id, so no time value travels (index: parent, time, id). */
const newestFirst = (table: string, parentColumn: string, timeColumn: string): ChildListSpec => ({
  table,
  parentColumn,
  refColumn: 'id',
  sortColumn: timeColumn,
  direction: 'DESC',
  cursor: 'row',
});
const MOVES = newestFirst('resident_move', 'resident_id', 'occurred_at');
const INSPECTIONS = newestFirst('unit_inspection', 'unit_id', 'visited_at');

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
  readonly houseByAddress: DataLoader<string, House | null>;
  /** `Street.counts` of every street a request touches: one grouped statement. */
  readonly streetCounts: DataLoader<string, PeopleTally>;
  /** `Grid.counts` of every grid a request touches: one grouped statement; null for a grid not held. */
  readonly gridCounts: DataLoader<string, PeopleTally | null>;
  private readonly entities: EntityLoaders;
  private readonly lists: ChildLists;

  constructor(
    ds: DataSource,
    private readonly residents: ResidentRepository,
    private readonly households: HouseholdRepository,
    private readonly units: UnitRepository,
    stats: StatsRepository,
  ) {
    this.streetCounts = new DataLoader(async (ids) => {
      const found = await stats.byStreets(ids);
      return ids.map((id) => found.get(id) ?? { residents: 0, migrants: 0, households: 0, units: 0 });
    });
    this.gridCounts = new DataLoader(async (ids) => {
      const found = await stats.byGrids(ids);
      return ids.map((id) => found.get(id) ?? null);
    });
    this.entities = new EntityLoaders(ds);
    this.lists = new ChildLists(ds);
    this.unit = new DataLoader(async (ids) => alignById(ids, await units.findByIds(ids)));
    this.houseByAddress = new DataLoader(async (ids) => {
      const houses = new Map((await units.housesByAddress(ids)).map((h) => [h.addressId, h]));
      return ids.map((id) => houses.get(id) ?? null);
    });
    this.resident = new DataLoader(async (ids) => alignById(ids, await residents.findByIds(ids)));
    this.household = new DataLoader(async (ids) => alignById(ids, await households.findByIds(ids)));
    this.address = new DataLoader(async (ids) => alignById(ids, await households.findAddresses(ids)));
    this.members = new DataLoader(async (ids) => {
      const map = await households.currentMembers(ids);
      return ids.map((id) => map.get(id) ?? []);
    });
  }

  /** An address a record points at (every resident with an address, household, unit and house has one). */
  async requiredAddress(id: string): Promise<StandardAddress> {
    const address = await this.address.load(id);
    if (!address) throw new Error(`standard address ${id} is referenced but does not exist`);
    return address;
  }

  residentPage(
    q: ResidentQuery,
    scope: ViewScope,
    page: OrderedPage<Resident>,
  ): Promise<CountedConnection<Resident>> {
    return fetchOrderedPage(
      page,
      async (limit, after, backward) => {
        const rows = await this.residents.list(q, scope, limit, after, backward, page.order);
        for (const r of rows) this.resident.prime(r.id, r);
        return rows;
      },
      () => this.residents.count(q, scope),
    );
  }

  householdPage(
    q: HouseholdQuery,
    scope: ViewScope,
    page: OrderedPage<Household>,
  ): Promise<CountedConnection<Household>> {
    return fetchOrderedPage(
      page,
      async (limit, after, backward) => {
        const rows = await this.households.list(q, scope, limit, after, backward, page.order);
        for (const h of rows) this.household.prime(h.id, h);
        return rows;
      },
      () => this.households.count(q, scope),
    );
  }

  unitPage(
    q: UnitQuery,
    scope: ViewScope,
    page: OrderedPage<RealUnit>,
  ): Promise<CountedConnection<RealUnit>> {
    return fetchOrderedPage(
      page,
      async (limit, after, backward) => {
        const rows = await this.units.list(q, scope, limit, after, backward, page.order);
        for (const u of rows) this.unit.prime(u.id, u);
        return rows;
      },
      () => this.units.count(q, scope),
    );
  }

  /** A page of a resident's moves, newest first (first pages of many residents load together). */
  movePage(residentId: string, page: Page): Promise<CountedConnection<ResidentMove>> {
    return this.lists.page(MOVES, residentId, page, (id) => this.entities.byId(ResidentMove, id));
  }

  /** A page of a unit's safety-check visits, newest first (as movePage). */
  inspectionPage(unitId: string, page: Page): Promise<CountedConnection<UnitInspection>> {
    return this.lists.page(INSPECTIONS, unitId, page, (id) => this.entities.byId(UnitInspection, id));
  }
}
