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
import type { ResidentQuery, ResidentRepository } from './repositories/resident.repository';
import type { UnitQuery, UnitRepository } from './repositories/unit.repository';
import type { ViewScope } from './services/access';

/** A page plus a total that is counted only when the query selects `totalCount`. */
export interface CountedConnection<T> extends Connection<T> {
  totalCount: () => Promise<number>;
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
  /** The 20 latest inspections per unit. */
  readonly inspections: DataLoader<string, UnitInspection[]>;
  readonly houseByAddress: DataLoader<string, House | null>;
  /** The 20 latest moves per resident. */
  readonly moves: DataLoader<string, ResidentMove[]>;

  constructor(
    private readonly residents: ResidentRepository,
    private readonly households: HouseholdRepository,
    private readonly units: UnitRepository,
  ) {
    this.unit = new DataLoader(async (ids) => byId(ids, await units.findByIds(ids)));
    this.inspections = new DataLoader(async (ids) => {
      const map = await units.inspections(ids, 20);
      return ids.map((id) => map.get(id) ?? []);
    });
    this.houseByAddress = new DataLoader(async (ids) => {
      const houses = new Map((await units.housesByAddress(ids)).map((h) => [h.addressId, h]));
      return ids.map((id) => houses.get(id) ?? null);
    });
    this.resident = new DataLoader(async (ids) => byId(ids, await residents.findByIds(ids)));
    this.moves = new DataLoader(async (ids) => {
      const map = await residents.moves(ids, 20);
      return ids.map((id) => map.get(id) ?? []);
    });
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

  async unitPage(q: UnitQuery, scope: ViewScope, page: Page): Promise<CountedConnection<RealUnit>> {
    const rows = page.first === 0 ? [] : await this.units.list(q, scope, page.first + 1, page.afterKey);
    for (const u of rows) this.unit.prime(u.id, u);
    return { ...toConnection(rows, page.first, (u) => u.id), totalCount: () => this.units.count(q, scope) };
  }
}
