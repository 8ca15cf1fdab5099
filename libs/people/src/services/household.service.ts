import type { DataSource } from 'typeorm';
import { requireAuthenticated } from '@sc/auth';
import { transaction } from '@sc/db';
import type { Outbox } from '@sc/events';
import { PeopleEvents } from '@sc/people-contracts';
import { ForbiddenError, NotFoundError } from '@sc/graphql';
import type { RequestInfo } from '../context';
import type { AddressParts } from '../domain/address';
import {
  Resident,
  type Household,
  type HouseholdMember,
  type Housing,
  type StandardAddress,
} from '../entities';
import type { CountedConnection, OrderedPage } from '@sc/db';
import type { HouseholdQuery } from '../repositories/household.repository';
import { inScope, type PeopleAccess } from './access';
import type { Records } from './records';
import type { ResidentService } from './resident.service';

export interface CreateHouseholdInput {
  address: AddressParts;
  headResidentId: string;
  housing: Housing;
  landlordResidentId: string | null;
  entryDate: string;
}

/** Households: reads in the caller's scope, and founding a household around its head. */
export class HouseholdService {
  constructor(
    private readonly ds: DataSource,
    private readonly outbox: Outbox,
    private readonly access: PeopleAccess,
    private readonly records: Records,
    private readonly residents: ResidentService,
    private readonly committed: () => void = () => undefined,
  ) {}

  /** A household the caller may see (staff, the grid's chief, or a member), else null. */
  async get(req: RequestInfo, id: string): Promise<Household | null> {
    const scope = await req.scope();
    const household = await req.loaders.household.load(id);
    if (!household) return null;
    if (scope.kind === 'self') {
      const self = await req.loaders.resident.load(scope.residentId);
      return self?.householdId === household.id ? household : null;
    }
    return inScope(scope, household) ? household : null;
  }

  async list(
    req: RequestInfo,
    q: HouseholdQuery,
    page: OrderedPage<Household>,
  ): Promise<CountedConnection<Household>> {
    const scope = await this.access.listScope(req.principal);
    return req.loaders.householdPage(q, scope, page);
  }

  /** A standard address (door masked) inside the caller's list scope; null otherwise. */
  async address(req: RequestInfo, id: string): Promise<StandardAddress | null> {
    const scope = await this.access.listScope(req.principal);
    const address = await req.loaders.address.load(id);
    return address && inScope(scope, address) ? address : null;
  }

  /** Current members of a household the caller already sees (the household was checked). */
  members(req: RequestInfo, household: Household): Promise<HouseholdMember[]> {
    return req.loaders.members.load(household.id);
  }

  /** A household at an address with the given resident as its head (leaving any household). */
  /** A member's resident (members are listed only with a household the caller may see). */
  async memberResident(req: RequestInfo, member: HouseholdMember): Promise<Resident> {
    const resident = await req.loaders.resident.load(member.residentId);
    if (!resident)
      throw new Error(`resident ${member.residentId} of a household is referenced but does not exist`);
    return resident;
  }

  async create(req: RequestInfo, input: CreateHouseholdInput): Promise<Household> {
    const principal = requireAuthenticated(req.principal);
    const scope = await req.scope();
    const head = await req.loaders.resident.load(input.headResidentId);
    if (!head || !inScope(scope, head, head.id)) throw new NotFoundError('Resident', input.headResidentId);
    if (!(scope.kind === 'all' || (scope.kind === 'places' && inScope(scope, input.address)))) {
      throw new ForbiddenError('requires COMMUNITY_STAFF of this community, or the STREET_CHIEF of the grid');
    }
    const household = await transaction(this.ds, async (m) => {
      const now = new Date();
      const resident: Resident = await this.records.lockResident(m, head.id);
      if (resident.status !== 'ACTIVE') throw new NotFoundError('Resident', head.id);
      const address = await this.records.ensureAddress(m, input.address, now);
      const created = await this.residents.createHouseholdIn(m, principal.subject, {
        addressId: address.id,
        streetId: address.streetId,
        courtyardId: address.courtyardId,
        housing: input.housing,
        landlordResidentId: input.landlordResidentId,
        entryDate: input.entryDate,
        headResidentId: resident.id,
        now,
      });
      const left = await this.records.leaveHousehold(m, resident.id, now);
      await this.records.joinHousehold(m, resident, created, 'HEAD', now);
      const version = resident.version + 1;
      await m.getRepository(Resident).update({ id: resident.id }, { version, updatedAt: now });
      // The head's household changed too: read models of residents learn it like any household change.
      await this.outbox.add(
        m,
        PeopleEvents.residentHouseholdChanged,
        resident.id,
        {
          id: resident.id,
          fromHouseholdId: left,
          toHouseholdId: created.id,
          relationship: 'HEAD',
          actor: principal.subject,
          version,
          streetId: created.streetId,
          courtyardId: created.courtyardId,
        },
        { time: now },
      );
      return { ...created, headResidentId: resident.id };
    });
    this.committed();
    return household;
  }
}
