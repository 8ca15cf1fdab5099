import { randomUUID } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import { isUniqueViolation, transaction } from '@sc/db';
import type { Outbox } from '@sc/events';
import { BadUserInputError, ConflictError, ForbiddenError, NotFoundError } from '@sc/graphql';
import type { RequestInfo } from '../context';
import type { FieldCipher } from '../crypto';
import type { AddressParts } from '../domain/address';
import { birthDateOf } from '../domain/id-card';
import { maskIdNumber, maskPhone } from '../domain/masking';
import {
  Household,
  Resident,
  ResidentMove,
  type Gender,
  type Housing,
  type Relationship,
  type ResidentCategory,
  type ResidentNeed,
  type ResidentStatus,
} from '../entities';
import { PeopleEvents } from '@sc/people-contracts';
import type { CountedConnection, OrderedPage } from '@sc/db';
import type { ResidentQuery } from '../repositories/resident.repository';
import { inScope, requireWriteScope, type PeopleAccess } from './access';
import type { SensitiveField } from './access-log';
import { alreadyMember, type Records } from './records';

export interface ResidentFilterInput {
  streetId?: string;
  courtyardId?: string;
  addressId?: string;
  category?: ResidentCategory;
  status?: ResidentStatus;
  namePrefix?: string;
  /** Normalised and validated. */
  idNumber?: string;
  phone?: string;
  origin?: string;
}

export interface MoveInInput {
  /** Normalised and checksum-validated, with what it encodes. */
  idNumber: string;
  birthDate: string;
  gender: Gender;
  name: string;
  phone: string | null;
  origin: string;
  category: ResidentCategory;
  address: AddressParts;
  householdId: string | null;
  relationship: Relationship | null;
  newHousehold: { housing: Housing; landlordResidentId: string | null } | null;
  needs: ResidentNeed[];
  languages: string[];
  date: string;
}

export interface MoveOutInput {
  residentId: string;
  destination: string;
  date: string;
}

export interface ChangeHouseholdInput {
  residentId: string;
  /** null: leave the current household without joining another. */
  householdId: string | null;
  relationship: Relationship;
}

export interface Revealed {
  idNumber?: string;
  birthDate?: string;
  phone?: string | null;
  door?: string | null;
}

const today = () => new Date().toISOString().slice(0, 10);

/**
 * Residents: reads limited to the caller's scope, whole values only with an access-log entry,
 * and the moves (in, out, between households), each writing its event in the same transaction.
 */
export class ResidentService {
  constructor(
    private readonly ds: DataSource,
    private readonly outbox: Outbox,
    private readonly cipher: FieldCipher,
    private readonly access: PeopleAccess,
    private readonly records: Records,
    /** Called after a change committed, so the outbox relay publishes without waiting to poll. */
    private readonly committed: () => void = () => undefined,
  ) {}

  /** A resident the caller may see, else null (never says whether it exists). */
  /**
   * A reference from another subgraph (`StreetChief.resident`): null without an error for a caller
   * who may not see the resident — anonymous callers included — as the referring fields document.
   */
  async reference(req: RequestInfo, id: string): Promise<Resident | null> {
    if (!req.principal) return null;
    return this.get(req, id);
  }

  async get(req: RequestInfo, id: string): Promise<Resident | null> {
    const scope = await req.scope();
    const resident = await req.loaders.resident.load(id);
    return resident && inScope(scope, resident, resident.id) ? resident : null;
  }

  async list(
    req: RequestInfo,
    filter: ResidentFilterInput,
    page: OrderedPage<Resident>,
  ): Promise<CountedConnection<Resident>> {
    const scope = await this.access.listScope(req.principal);
    const q: ResidentQuery = {
      streetId: filter.streetId,
      courtyardId: filter.courtyardId,
      addressId: filter.addressId,
      category: filter.category,
      status: filter.status ?? 'ACTIVE',
      namePrefix: filter.namePrefix,
      origin: filter.origin,
      idNumberBidx: filter.idNumber ? this.cipher.blindIndex('id', filter.idNumber) : undefined,
      phoneBidx: filter.phone ? this.cipher.blindIndex('phone', filter.phone) : undefined,
    };
    return req.loaders.residentPage(q, scope, page);
  }

  /**
   * Whole values of the selected fields, for a caller whose scope covers the resident. The access
   * log entry is stored before the values are returned; without one nothing is decrypted.
   */
  async reveal(
    req: RequestInfo,
    resident: Resident,
    fields: SensitiveField[],
    purpose: string,
    operation: string,
  ): Promise<Revealed> {
    const scope = await req.scope();
    if (!inScope(scope, resident, resident.id) || !req.accessLog) {
      throw new ForbiddenError('whole personal data is not available to your role or scope');
    }
    if (fields.length === 0) return {};
    await req.accessLog.record({ residentId: resident.id, fields, purpose, operation });
    const out: Revealed = {};
    if (fields.includes('ID_NUMBER') || fields.includes('BIRTH_DATE')) {
      const idNumber = this.cipher.decrypt(resident.idNumberEnc);
      if (fields.includes('ID_NUMBER')) out.idNumber = idNumber;
      // Not stored: digits 7–14 of the number (see Resident.birthYear).
      if (fields.includes('BIRTH_DATE')) out.birthDate = birthDateOf(idNumber);
    }
    if (fields.includes('PHONE'))
      out.phone = resident.phoneEnc ? this.cipher.decrypt(resident.phoneEnc) : null;
    if (fields.includes('DOOR')) {
      const address = resident.addressId ? await req.loaders.address.load(resident.addressId) : null;
      out.door = address ? this.cipher.decrypt(address.doorEnc) : null;
    }
    return out;
  }

  /**
   * A resident moves in: registered on first arrival (one record per ID number, through its blind
   * index), or back again after a move-out. Optionally joins a household or founds one as its head.
   */
  async moveIn(req: RequestInfo, input: MoveInInput): Promise<Resident> {
    const actor = (await requireWriteScope(req, input.address)).subject;
    const bidx = this.cipher.blindIndex('id', input.idNumber);
    try {
      const resident = await transaction(this.ds, async (m) => {
        const now = new Date();
        const repo = m.getRepository(Resident);
        const known = await repo.findOneBy({ idNumberBidx: bidx });
        if (known && known.status !== 'MOVED_OUT') {
          throw new ConflictError(
            known.status === 'ACTIVE'
              ? 'A resident with this ID number already lives here'
              : 'The resident with this ID number is recorded as deceased',
            { field: 'input.idNumber', currentState: known.status },
          );
        }
        const address = await this.records.ensureAddress(m, input.address, now);
        const phone = input.phone
          ? {
              phoneEnc: this.cipher.encrypt(input.phone),
              phoneBidx: this.cipher.blindIndex('phone', input.phone),
              phoneMasked: maskPhone(input.phone),
            }
          : { phoneEnc: null, phoneBidx: null, phoneMasked: null };
        const fields = {
          name: input.name,
          ...phone,
          keyId: this.cipher.currentKeyId,
          origin: input.origin,
          category: input.category,
          status: 'ACTIVE' as const,
          needs: input.needs.join(','),
          languages: input.languages.length ? input.languages.join(',') : null,
          addressId: address.id,
          streetId: address.streetId,
          courtyardId: address.courtyardId,
          householdId: null,
          movedInAt: input.date,
          movedOutAt: null,
          updatedAt: now,
        };
        let resident: Resident;
        if (known) {
          resident = {
            ...known,
            ...fields,
            idNumberEnc: this.cipher.encrypt(input.idNumber),
            version: known.version + 1,
          };
          await repo.update(
            { id: known.id },
            { ...fields, idNumberEnc: resident.idNumberEnc, version: resident.version },
          );
        } else {
          resident = {
            id: randomUUID(),
            gender: input.gender,
            birthYear: Number(input.birthDate.slice(0, 4)),
            idNumberEnc: this.cipher.encrypt(input.idNumber),
            idNumberBidx: bidx,
            idNumberMasked: maskIdNumber(input.idNumber),
            isTestData: false,
            version: 1,
            createdAt: now,
            ...fields,
          };
          await repo.insert(resident);
        }

        let householdId: string | null = null;
        let relationship: Relationship | null = null;
        if (input.householdId) {
          const household = await this.records.household(m, input.householdId);
          // The scope check was on the address: joining a household elsewhere would bypass it.
          if (household.addressId !== address.id) {
            throw new BadUserInputError('The household lives at another address', [
              { field: 'input.householdId', message: 'lives at another address than input.address' },
            ]);
          }
          relationship = input.relationship ?? 'OTHER';
          await this.records.joinHousehold(m, resident, household, relationship, now);
          householdId = household.id;
        } else if (input.newHousehold) {
          const household = await this.createHouseholdIn(m, actor, {
            addressId: address.id,
            streetId: address.streetId,
            courtyardId: address.courtyardId,
            housing: input.newHousehold.housing,
            landlordResidentId: input.newHousehold.landlordResidentId,
            landlordField: 'input.newHousehold.landlordResidentId',
            entryDate: input.date,
            headResidentId: resident.id,
            now,
          });
          relationship = 'HEAD';
          await this.records.joinHousehold(m, resident, household, 'HEAD', now);
          householdId = household.id;
        }
        await m.insert(ResidentMove, {
          id: randomUUID(),
          residentId: resident.id,
          kind: 'MOVE_IN',
          occurredOn: input.date,
          place: input.origin,
          fromHouseholdId: null,
          toHouseholdId: householdId,
          actor,
          occurredAt: now,
        });
        await this.outbox.add(
          m,
          PeopleEvents.residentMovedIn,
          resident.id,
          {
            id: resident.id,
            category: resident.category,
            origin: resident.origin,
            addressId: address.id,
            streetId: address.streetId,
            courtyardId: address.courtyardId,
            householdId,
            relationship,
            date: input.date,
            firstRegistration: !known,
            actor,
            birthYear: resident.birthYear,
            version: resident.version,
          },
          { time: now },
        );
        return { ...resident, householdId };
      });
      this.committed();
      return resident;
    } catch (error) {
      // Two move-ins of one ID number at once: the unique blind index lets only one through.
      if (isUniqueViolation(error)) {
        throw new ConflictError('A resident with this ID number already lives here', {
          field: 'input.idNumber',
        });
      }
      throw error;
    }
  }

  /** Creates a household row and its event, inside the caller's transaction. */
  async createHouseholdIn(
    m: EntityManager,
    actor: string,
    h: {
      addressId: string;
      streetId: string;
      courtyardId: string | null;
      housing: Housing;
      landlordResidentId: string | null;
      /** The input field that gave the landlord (named in a NOT_FOUND). */
      landlordField?: string;
      entryDate: string;
      headResidentId: string | null;
      now: Date;
    },
  ): Promise<Household> {
    if (h.landlordResidentId !== null) {
      await this.records.checkResident(
        m,
        h.landlordResidentId,
        h.landlordField ?? 'input.landlordResidentId',
      );
    }
    const household: Household = {
      id: randomUUID(),
      addressId: h.addressId,
      streetId: h.streetId,
      courtyardId: h.courtyardId,
      headResidentId: h.headResidentId,
      housing: h.housing,
      landlordResidentId: h.landlordResidentId,
      entryDate: h.entryDate,
      status: 'ACTIVE',
      isTestData: false,
      version: 1,
      createdAt: h.now,
      updatedAt: h.now,
    };
    await m.insert(Household, household);
    await this.outbox.add(
      m,
      PeopleEvents.householdCreated,
      household.id,
      {
        id: household.id,
        addressId: h.addressId,
        streetId: h.streetId,
        courtyardId: h.courtyardId,
        headResidentId: h.headResidentId,
        housing: h.housing,
        entryDate: h.entryDate,
        actor,
      },
      { time: h.now },
    );
    return household;
  }

  /** A resident moves out: leaves any household; the record stays (status MOVED_OUT). */
  async moveOut(req: RequestInfo, input: MoveOutInput): Promise<Resident> {
    const current = await req.loaders.resident.load(input.residentId);
    if (!current) throw new NotFoundError('Resident', input.residentId);
    const actor = (await requireWriteScope(req, current)).subject;
    const resident = await transaction(this.ds, async (m) => {
      const now = new Date();
      const r = await this.records.lockResident(m, input.residentId);
      if (r.status !== 'ACTIVE') {
        throw new ConflictError('Only an active resident can move out', { currentState: r.status });
      }
      const left = await this.records.leaveHousehold(m, r.id, now);
      const changes = {
        status: 'MOVED_OUT' as const,
        movedOutAt: input.date,
        householdId: null,
        version: r.version + 1,
        updatedAt: now,
      };
      await m.getRepository(Resident).update({ id: r.id }, changes);
      await m.insert(ResidentMove, {
        id: randomUUID(),
        residentId: r.id,
        kind: 'MOVE_OUT',
        occurredOn: input.date,
        place: input.destination,
        fromHouseholdId: left,
        toHouseholdId: null,
        actor,
        occurredAt: now,
      });
      await this.outbox.add(
        m,
        PeopleEvents.residentMovedOut,
        r.id,
        {
          id: r.id,
          category: r.category,
          streetId: r.streetId,
          courtyardId: r.courtyardId,
          householdId: left,
          destination: input.destination,
          date: input.date,
          actor,
          version: changes.version,
        },
        { time: now },
      );
      return { ...r, ...changes };
    });
    this.committed();
    return resident;
  }

  /** Moves a resident to another household (or out of any); never into the one it is in. */
  async changeHousehold(req: RequestInfo, input: ChangeHouseholdInput): Promise<Resident> {
    const current = await req.loaders.resident.load(input.residentId);
    if (!current) throw new NotFoundError('Resident', input.residentId);
    const actor = (await requireWriteScope(req, current)).subject;
    if (input.householdId) {
      const target = await req.loaders.household.load(input.householdId);
      if (!target) throw new NotFoundError('Household', input.householdId);
      await requireWriteScope(req, target);
    }
    const resident = await transaction(this.ds, async (m) => {
      const now = new Date();
      const r = await this.records.lockResident(m, input.residentId);
      if (r.status !== 'ACTIVE') {
        throw new ConflictError('Only an active resident can change household', { currentState: r.status });
      }
      if (input.householdId !== null && r.householdId === input.householdId) throw alreadyMember();
      const target = input.householdId ? await this.records.household(m, input.householdId) : null;
      const left = await this.records.leaveHousehold(m, r.id, now);
      if (target) await this.records.joinHousehold(m, r, target, input.relationship, now);
      // A new version: the resident's household (and with it maybe the place) changed.
      await m.getRepository(Resident).update({ id: r.id }, { version: r.version + 1, updatedAt: now });
      await m.insert(ResidentMove, {
        id: randomUUID(),
        residentId: r.id,
        kind: 'HOUSEHOLD_CHANGE',
        occurredOn: today(),
        place: null,
        fromHouseholdId: left,
        toHouseholdId: target?.id ?? null,
        actor,
        occurredAt: now,
      });
      await this.outbox.add(
        m,
        PeopleEvents.residentHouseholdChanged,
        r.id,
        {
          id: r.id,
          fromHouseholdId: left,
          toHouseholdId: target?.id ?? null,
          relationship: target ? input.relationship : null,
          actor,
          version: r.version + 1,
          streetId: target ? target.streetId : r.streetId,
          courtyardId: target ? target.courtyardId : r.courtyardId,
        },
        { time: now },
      );
      return m.getRepository(Resident).findOneByOrFail({ id: r.id });
    });
    this.committed();
    return resident;
  }

  /** Replaces the reported needs (and languages, when given) of an active resident in scope. */
  async reportNeeds(
    req: RequestInfo,
    input: { residentId: string; needs: ResidentNeed[]; languages?: string[] },
  ): Promise<Resident> {
    const current = await this.get(req, input.residentId);
    if (!current) throw new NotFoundError('Resident', input.residentId);
    await requireWriteScope(req, current);
    return transaction(this.ds, async (m) => {
      const r = await this.records.lockResident(m, input.residentId);
      if (r.status !== 'ACTIVE') {
        throw new ConflictError('Only an active resident has needs to report', { currentState: r.status });
      }
      const changes = {
        needs: input.needs.join(','),
        ...(input.languages ? { languages: input.languages.length ? input.languages.join(',') : null } : {}),
        version: r.version + 1,
        updatedAt: new Date(),
      };
      await m.getRepository(Resident).update({ id: r.id }, changes);
      return { ...r, ...changes };
    });
  }
}
