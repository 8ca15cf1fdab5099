import type { DataSource, EntityManager, ObjectLiteral, EntityTarget } from 'typeorm';
import type { Logger } from '@sc/config';
import { transaction } from '@sc/db';
import { demoPopulation, stableId, type DemoAddress } from '@sc/demo';
import type { Outbox } from '@sc/events';
import { PeopleEvents, ResidentsImported } from '@sc/people-contracts';
import type { FieldCipher } from '../crypto';
import { addressKeyAndCode, normalizeAddressPart } from '../domain/address';
import { makeTestIdNumber, normalizeIdNumber } from '../domain/id-card';
import { maskDoor, maskIdNumber, maskPhone } from '../domain/masking';
import {
  House,
  Household,
  HouseholdMember,
  RealUnit,
  Resident,
  StandardAddress,
  type HouseUsage,
} from '../entities';

/** Rows per INSERT: ~30 columns × 400 stays far below SQLite's 32,766 bound parameters. */
const CHUNK = 400;

async function insertAll<T extends ObjectLiteral>(m: EntityManager, target: EntityTarget<T>, rows: T[]) {
  for (let i = 0; i < rows.length; i += CHUNK) {
    await m
      .createQueryBuilder()
      .insert()
      .into(target)
      .values(rows.slice(i, i + CHUNK))
      .updateEntity(false)
      .execute();
  }
}

export interface SeedCounts {
  residents: number;
  households: number;
  addresses: number;
  units: number;
  houses: number;
  ms: number;
}

/**
 * Loads the Caichang demo population (see @sc/demo population.ts) when there is no resident yet:
 * one transaction of multi-row INSERTs, every personal field encrypted, every row marked test data.
 *
 * The seed writes no `moved-in` events: nobody moved in, and 11,000 of them would tell county
 * systems something false. It announces the residents as what they are, a load of existing records:
 * `residents.imported` events (import id {@link DEMO_IMPORT_ID}, {@link DEMO_EVENT_RESIDENTS} a
 * part), in the same transaction, so every residents read model (the roster's, which checks the
 * resident ids of nominations) knows the demo residents. Its households are announced the same way, as
 * `households.imported` events ({@link DEMO_EVENT_HOUSEHOLDS} a part, same import id), so a consumer that
 * counts households (the county feed) knows them; no `household.created` either, for the same reason.
 * No name, ID number, phone or door.
 */
export async function seedDemoPopulation(
  ds: DataSource,
  cipher: FieldCipher,
  logger: Logger,
  outbox?: Outbox,
): Promise<SeedCounts | null> {
  if ((await ds.getRepository(Resident).count({ take: 1 })) > 0) return null;
  const started = Date.now();
  const demo = demoPopulation();
  const now = new Date();
  const keyId = cipher.currentKeyId;

  const addresses: StandardAddress[] = [];
  const addressRow = (id: string, a: DemoAddress): StandardAddress => {
    const door = normalizeAddressPart(a.door);
    const row: StandardAddress = {
      id,
      ...addressKeyAndCode(cipher, a),
      streetId: a.streetId,
      courtyardId: a.courtyardId,
      building: normalizeAddressPart(a.building),
      unit: normalizeAddressPart(a.unit),
      doorEnc: cipher.encrypt(door),
      doorMasked: maskDoor(door),
      keyId,
      isTestData: true,
      createdAt: now,
    };
    addresses.push(row);
    return row;
  };

  const at = <T>(list: T[], i: number): T => {
    const item = list[i];
    if (item === undefined) throw new Error(`demo population is inconsistent at index ${i}`);
    return item;
  };
  const heads = demo.households.map((h) => at(demo.residents, h.members[0] ?? 0));
  const registeredHeads = heads.filter((r) => r.category === 'REGISTERED');
  const households: Household[] = [];
  const houses: House[] = [];
  for (const h of demo.households) {
    const address = addressRow(stableId(`address:household:${h.n}`), h.address);
    const head = at(heads, h.n - 1);
    const landlord =
      h.housing === 'RENTED' ? (registeredHeads[(h.n * 13) % registeredHeads.length]?.id ?? null) : null;
    households.push({
      id: h.id,
      addressId: address.id,
      streetId: address.streetId,
      courtyardId: address.courtyardId,
      headResidentId: head.id,
      housing: h.housing,
      landlordResidentId: landlord,
      entryDate: h.entryDate,
      status: 'ACTIVE',
      isTestData: true,
      version: 1,
      createdAt: now,
      updatedAt: now,
    });
    const usage: HouseUsage = h.housing === 'RENTED' ? 'RENTED' : 'SELF_OCCUPIED';
    houses.push({
      id: stableId(`house:household:${h.n}`),
      addressId: address.id,
      streetId: address.streetId,
      courtyardId: address.courtyardId,
      type: 'RESIDENTIAL',
      usage,
      ownerResidentId: h.housing === 'OWNED' ? head.id : landlord,
      ownerUnitId: null,
      // 45–164.5 m², stable per household: the weights of a homeowners' vote in the demo.
      floorArea: 45 + ((h.n * 37) % 240) / 2,
      isTestData: true,
      createdAt: now,
      updatedAt: now,
    });
  }

  const residents: Resident[] = [];
  const members: HouseholdMember[] = [];
  for (const r of demo.residents) {
    const household = at(households, r.household);
    const idNumber = normalizeIdNumber(makeTestIdNumber(r.idRegion, r.birthDate, r.idSequence, r.gender));
    residents.push({
      id: r.id,
      name: r.name,
      gender: r.gender,
      birthYear: Number(r.birthDate.slice(0, 4)),
      idNumberEnc: cipher.encrypt(idNumber),
      idNumberBidx: cipher.blindIndex('id', idNumber),
      idNumberMasked: maskIdNumber(idNumber),
      phoneEnc: r.phone ? cipher.encrypt(r.phone) : null,
      phoneBidx: r.phone ? cipher.blindIndex('phone', r.phone) : null,
      phoneMasked: r.phone ? maskPhone(r.phone) : null,
      keyId,
      origin: r.origin,
      category: r.category,
      status: 'ACTIVE',
      needs: r.needs.join(','),
      languages: r.languages.length ? r.languages.join(',') : null,
      addressId: household.addressId,
      streetId: household.streetId,
      courtyardId: household.courtyardId,
      householdId: household.id,
      isTestData: true,
      movedInAt: r.movedInAt,
      movedOutAt: null,
      version: 1,
      createdAt: now,
      updatedAt: now,
    });
    members.push({
      id: stableId(`member:${r.n}`),
      householdId: household.id,
      residentId: r.id,
      activeResidentId: r.id,
      relationship: r.relationship,
      joinedAt: new Date(`${r.movedInAt}T00:00:00.000Z`),
      leftAt: null,
      isTestData: true,
    });
  }

  const units: RealUnit[] = demo.units.map((u) => {
    const address = addressRow(stableId(`address:unit:${u.n}`), u.address);
    houses.push({
      id: stableId(`house:unit:${u.n}`),
      addressId: address.id,
      streetId: address.streetId,
      courtyardId: address.courtyardId,
      type: u.kind === 'MERCHANT' ? 'SHOP' : 'OTHER',
      usage: 'COMMERCIAL',
      ownerResidentId: null,
      ownerUnitId: u.id,
      floorArea: null,
      isTestData: true,
      createdAt: now,
      updatedAt: now,
    });
    return {
      id: u.id,
      name: u.name,
      kind: u.kind,
      licenceNumber: u.licenceNumber,
      contactName: u.contactName,
      contactPhoneEnc: cipher.encrypt(u.contactPhone),
      contactPhoneMasked: maskPhone(u.contactPhone),
      keyId,
      addressId: address.id,
      streetId: address.streetId,
      courtyardId: address.courtyardId,
      status: 'ACTIVE',
      isTestData: true,
      createdAt: now,
      updatedAt: now,
    };
  });

  await transaction(ds, async (m) => {
    await insertAll(m, StandardAddress, addresses);
    await insertAll(m, Household, households);
    await insertAll(m, Resident, residents);
    await insertAll(m, HouseholdMember, members);
    await insertAll(m, RealUnit, units);
    await insertAll(m, House, houses);
    if (outbox) {
      await announceHouseholds(m, outbox, households, now);
      await announceResidents(m, outbox, residents, now);
    }
  });
  const counts: SeedCounts = {
    residents: residents.length,
    households: households.length,
    addresses: addresses.length,
    units: units.length,
    houses: houses.length,
    ms: Date.now() - started,
  };
  logger.info(counts, 'seeded the Caichang demo population');
  return counts;
}

/** Subject (and Kafka key) of the demo seed's `residents.imported` events. */
export const DEMO_IMPORT_ID = stableId('import:demo-seed');
/** Residents per `residents.imported` event of the seed: ~270 bytes each, well under the 64 KB envelope. */
export const DEMO_EVENT_RESIDENTS = 200;

/** Households per `households.imported` event of the seed: ~250 bytes each. */
export const DEMO_EVENT_HOUSEHOLDS = 200;

async function announceHouseholds(m: EntityManager, outbox: Outbox, households: Household[], now: Date) {
  for (let i = 0; i < households.length; i += DEMO_EVENT_HOUSEHOLDS) {
    await outbox.add(
      m,
      PeopleEvents.householdsImported,
      DEMO_IMPORT_ID,
      {
        importId: DEMO_IMPORT_ID,
        part: i / DEMO_EVENT_HOUSEHOLDS + 1,
        actor: 'seed',
        households: households.slice(i, i + DEMO_EVENT_HOUSEHOLDS).map((h) => ({
          id: h.id,
          addressId: h.addressId,
          streetId: h.streetId,
          courtyardId: h.courtyardId,
          headResidentId: h.headResidentId,
          housing: h.housing,
          entryDate: h.entryDate,
        })),
      },
      { time: now },
    );
  }
}

async function announceResidents(m: EntityManager, outbox: Outbox, residents: Resident[], now: Date) {
  for (let i = 0; i < residents.length; i += DEMO_EVENT_RESIDENTS) {
    await outbox.add(
      m,
      ResidentsImported,
      DEMO_IMPORT_ID,
      {
        importId: DEMO_IMPORT_ID,
        batch: 1,
        part: i / DEMO_EVENT_RESIDENTS + 1,
        actor: 'seed',
        residents: residents.slice(i, i + DEMO_EVENT_RESIDENTS).map((r) => {
          if (!r.streetId) throw new Error(`demo resident ${r.id} has no street`);
          return {
            id: r.id,
            change: 'CREATED' as const,
            version: r.version,
            category: r.category,
            origin: r.origin,
            streetId: r.streetId,
            courtyardId: r.courtyardId,
            addressId: r.addressId,
            movedInAt: r.movedInAt,
          };
        }),
      },
      { time: now },
    );
  }
}
