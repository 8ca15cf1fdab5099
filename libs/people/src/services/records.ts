import { randomUUID } from 'node:crypto';
import { type EntityManager, IsNull } from 'typeorm';
import { forUpdate, isUniqueViolation } from '@sc/db';
import { BadUserInputError, ConflictError, NotFoundError } from '@sc/graphql';
import { activePlace } from '@sc/roster-contracts';
import type { FieldCipher } from '../crypto';
import { addressKeyAndCode, normalizeAddressPart, type AddressParts } from '../domain/address';
import { maskDoor } from '../domain/masking';
import { Household, HouseholdMember, Resident, StandardAddress, type Relationship } from '../entities';

/**
 * Building blocks shared by the write services, each inside the caller's transaction: find or
 * create an address, lock a resident, leave and join households.
 */
export class Records {
  constructor(private readonly cipher: FieldCipher) {}

  /**
   * The address with these parts, created if new (its door encrypted); same parts, same row. Its
   * street and courtyard must be active places of the roster ({@link checkPlaces}).
   */
  async ensureAddress(m: EntityManager, parts: AddressParts, now: Date): Promise<StandardAddress> {
    await this.checkPlaces(m, parts);
    const { addressKey, code } = addressKeyAndCode(this.cipher, parts);
    const repo = m.getRepository(StandardAddress);
    const existing = await repo.findOneBy({ addressKey });
    if (existing) return existing;
    const door = normalizeAddressPart(parts.door);
    const address: StandardAddress = {
      id: randomUUID(),
      code,
      addressKey,
      streetId: parts.streetId,
      courtyardId: parts.courtyardId,
      building: normalizeAddressPart(parts.building),
      unit: normalizeAddressPart(parts.unit),
      doorEnc: this.cipher.encrypt(door),
      doorMasked: maskDoor(door),
      keyId: this.cipher.currentKeyId,
      isTestData: false,
      createdAt: now,
    };
    try {
      await repo.insert(address);
      return address;
    } catch (error) {
      // A concurrent request created the same address first: use that one.
      if (!isUniqueViolation(error)) throw error;
      const winner = await repo.findOneBy({ addressKey });
      if (!winner) throw error;
      return winner;
    }
  }

  /**
   * The street and courtyard of an address, checked against the roster's places read model
   * (`roster_place`, fed by the roster's place events) before anything is written: an unknown or
   * retired place is NOT_FOUND naming the field, a courtyard of another street BAD_USER_INPUT.
   */
  async checkPlaces(
    m: EntityManager,
    parts: Pick<AddressParts, 'streetId' | 'courtyardId'>,
    field = 'input.address',
  ): Promise<void> {
    const street = await activePlace(m, parts.streetId, 'STREET');
    if (!street) throw new NotFoundError('Street', parts.streetId, `${field}.streetId`);
    if (parts.courtyardId === null) return;
    const courtyard = await activePlace(m, parts.courtyardId, 'COURTYARD');
    if (!courtyard) throw new NotFoundError('Courtyard', parts.courtyardId, `${field}.courtyardId`);
    if (courtyard.parentId !== street.id) {
      throw new BadUserInputError('The courtyard is not on this street', [
        { field: `${field}.courtyardId`, message: `is not a courtyard of ${field}.streetId` },
      ]);
    }
  }

  /** A resident id given as a reference (a landlord, an owner): it must be one of ours, else NOT_FOUND. */
  async checkResident(m: EntityManager, id: string, field: string): Promise<void> {
    if (!(await m.getRepository(Resident).existsBy({ id }))) throw new NotFoundError('Resident', id, field);
  }

  /** Loads a resident for a change, locking the row (MySQL) so changes to one resident serialize. */
  async lockResident(m: EntityManager, id: string): Promise<Resident> {
    const qb = m.getRepository(Resident).createQueryBuilder('r').where('r.id = :id', { id });
    const resident = await forUpdate(qb).getOne();
    if (!resident) throw new NotFoundError('Resident', id);
    return resident;
  }

  async household(m: EntityManager, id: string): Promise<Household> {
    const qb = m.getRepository(Household).createQueryBuilder('h').where('h.id = :id', { id });
    const household = await forUpdate(qb).getOne();
    if (!household || household.status !== 'ACTIVE') throw new NotFoundError('Household', id);
    return household;
  }

  /**
   * Ends the resident's current membership, if any; a household left without members is
   * dissolved, one left by its head has no head until another is named. Returns the household left.
   */
  async leaveHousehold(m: EntityManager, residentId: string, now: Date): Promise<string | null> {
    const members = m.getRepository(HouseholdMember);
    const current = await members.findOneBy({ activeResidentId: residentId });
    if (!current) return null;
    await members.update({ id: current.id }, { leftAt: now, activeResidentId: null });
    const households = m.getRepository(Household);
    const household = await households.findOneBy({ id: current.householdId });
    if (household) {
      const left = await members.countBy({ householdId: household.id, leftAt: IsNull() });
      await households.update(
        { id: household.id },
        {
          headResidentId: household.headResidentId === residentId ? null : household.headResidentId,
          status: left === 0 ? 'DISSOLVED' : household.status,
          version: household.version + 1,
          updatedAt: now,
        },
      );
    }
    await m.getRepository(Resident).update({ id: residentId }, { householdId: null });
    return current.householdId;
  }

  /**
   * Adds the resident to a household. The unique index on the active membership refuses a second
   * current membership (e.g. a concurrent request adding the same resident): CONFLICT.
   */
  async joinHousehold(
    m: EntityManager,
    resident: Resident,
    household: Household,
    relationship: Relationship,
    now: Date,
  ): Promise<void> {
    try {
      await m.getRepository(HouseholdMember).insert({
        id: randomUUID(),
        householdId: household.id,
        residentId: resident.id,
        activeResidentId: resident.id,
        relationship,
        joinedAt: now,
        leftAt: null,
        isTestData: resident.isTestData,
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw alreadyMember();
      throw error;
    }
    await m.getRepository(Resident).update(
      { id: resident.id },
      {
        householdId: household.id,
        addressId: household.addressId,
        streetId: household.streetId,
        courtyardId: household.courtyardId,
      },
    );
    if (relationship === 'HEAD') {
      await m
        .getRepository(Household)
        .update({ id: household.id }, { headResidentId: resident.id, updatedAt: now });
    }
  }
}

export const alreadyMember = () =>
  new ConflictError('The resident already belongs to a household; a resident is in one household at a time', {
    field: 'input.residentId',
  });
