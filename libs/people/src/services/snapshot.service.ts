import { randomUUID } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import { requireRole } from '@sc/auth';
import { transaction } from '@sc/db';
import type { Outbox, SnapshotSource } from '@sc/events';
import {
  PeopleSnapshotEvents,
  type SnapshotHouse,
  type SnapshotHousehold,
  type SnapshotResidentV2,
} from '@sc/people-contracts';
import type { RequestInfo } from '../context';
import { House, Household, HouseholdMember, Resident } from '../entities';

/**
 * Items per snapshot event. A v2 resident item takes ~330 bytes with usual values and up to ~605 with
 * every text as long as its column (4-byte characters): 80 keep the largest part near 48 KB, under the
 * outbox's 64 KB envelope (snapshot.service.spec.ts builds that worst case).
 */
export const SNAPSHOT_PART_SIZE = 80;
const PAGE = 2000;

export interface PeopleSnapshotSummary {
  snapshotId: string;
  residents: number;
  households: number;
  houses: number;
  parts: number;
  takenAt: Date;
}

/**
 * Snapshots for consumers that bootstrap a read model from scratch (a new service, a lost database,
 * events older than the topic's retention): the current non-personal state of every resident (with
 * birth year, household and relationship) and every house (owner, floor area), read in one transaction
 * — one consistent state — and written to the outbox in parts of that transaction, then `completed`.
 * Each residents part is written twice, as `snapshot.residents.v1` and, right after it, `.v2` (with
 * category and 户籍地), until v1's consumers have moved (docs/events.md); then every household.
 */
export class SnapshotService {
  constructor(
    private readonly ds: DataSource,
    private readonly outbox: Outbox,
    private readonly committed: () => void = () => undefined,
  ) {}

  /** ADMIN only (the mutation `publishPeopleSnapshot`). */
  async publishFor(req: RequestInfo): Promise<PeopleSnapshotSummary> {
    const principal = requireRole(req.principal, 'ADMIN');
    return this.publish(principal.subject);
  }

  /** Writes a snapshot (also called by the demo seed, actor `demo-seed`). */
  async publish(actor: string): Promise<PeopleSnapshotSummary> {
    const snapshotId = randomUUID();
    const summary = await transaction(this.ds, async (m) => {
      const takenAt = new Date();
      let part = 0;
      let residents = 0;
      let houses = 0;
      let households = 0;
      let pending: SnapshotResidentV2[] = [];
      const flushResidents = async (all: boolean) => {
        while (pending.length >= SNAPSHOT_PART_SIZE || (all && pending.length > 0)) {
          const items = pending.slice(0, SNAPSHOT_PART_SIZE);
          pending = pending.slice(SNAPSHOT_PART_SIZE);
          part += 1;
          await this.outbox.add(m, PeopleSnapshotEvents.residents, snapshotId, {
            snapshotId,
            part,
            // v1 items: without the fields v2 added.
            residents: items.map(({ category: _c, origin: _o, ...v1 }) => v1),
          });
          part += 1;
          await this.outbox.add(m, PeopleSnapshotEvents.residentsV2, snapshotId, {
            snapshotId,
            part,
            residents: items,
          });
        }
      };
      for await (const page of residentPages(m)) {
        residents += page.length;
        pending.push(...page);
        await flushResidents(false);
      }
      await flushResidents(true);
      for await (const page of householdPages(m)) {
        for (let i = 0; i < page.length; i += SNAPSHOT_PART_SIZE) {
          part += 1;
          await this.outbox.add(m, PeopleSnapshotEvents.households, snapshotId, {
            snapshotId,
            part,
            households: page.slice(i, i + SNAPSHOT_PART_SIZE),
          });
        }
        households += page.length;
      }
      let housesPending: SnapshotHouse[] = [];
      const flushHouses = async (all: boolean) => {
        while (housesPending.length >= SNAPSHOT_PART_SIZE || (all && housesPending.length > 0)) {
          const items = housesPending.slice(0, SNAPSHOT_PART_SIZE);
          housesPending = housesPending.slice(SNAPSHOT_PART_SIZE);
          part += 1;
          await this.outbox.add(m, PeopleSnapshotEvents.houses, snapshotId, {
            snapshotId,
            part,
            houses: items,
          });
        }
      };
      for await (const page of housePages(m)) {
        houses += page.length;
        housesPending.push(...page);
        await flushHouses(false);
      }
      await flushHouses(true);
      await this.outbox.add(m, PeopleSnapshotEvents.completed, snapshotId, {
        snapshotId,
        parts: part,
        residents,
        houses,
        households,
        takenAt: takenAt.toISOString(),
        actor,
      });
      return { snapshotId, residents, households, houses, parts: part, takenAt };
    });
    this.committed();
    return summary;
  }
}

interface ResidentRow {
  seq: string | number;
  id: string;
  status: SnapshotResidentV2['status'];
  birthYear: number | string;
  householdId: string | null;
  streetId: string | null;
  courtyardId: string | null;
  version: number | string;
  relationship: string | null;
  category: SnapshotResidentV2['category'];
  origin: string;
}

/** Residents in storage-key order, with their current membership's relationship, a page at a time. */
async function* residentPages(m: EntityManager): AsyncGenerator<SnapshotResidentV2[]> {
  let after = '0';
  for (;;) {
    const rows: ResidentRow[] = await m
      .createQueryBuilder(Resident, 'r')
      .leftJoin(HouseholdMember, 'hm', 'hm.active_resident_id = r.id')
      .select('r.seq', 'seq')
      .addSelect('r.id', 'id')
      .addSelect('r.status', 'status')
      .addSelect('r.birth_year', 'birthYear')
      .addSelect('r.household_id', 'householdId')
      .addSelect('r.street_id', 'streetId')
      .addSelect('r.courtyard_id', 'courtyardId')
      .addSelect('r.version', 'version')
      .addSelect('hm.relationship', 'relationship')
      .addSelect('r.category', 'category')
      .addSelect('r.origin', 'origin')
      .where('r.seq > :after', { after })
      .orderBy('r.seq', 'ASC')
      .limit(PAGE)
      .getRawMany();
    if (rows.length === 0) return;
    after = String(rows[rows.length - 1]?.seq);
    yield rows.map((r) => ({
      id: r.id,
      status: r.status,
      birthYear: Number(r.birthYear),
      householdId: r.householdId,
      relationship: r.householdId ? r.relationship : null,
      streetId: r.streetId,
      courtyardId: r.courtyardId,
      version: Number(r.version),
      category: r.category,
      origin: r.origin,
    }));
    if (rows.length < PAGE) return;
  }
}

/** Rows of an entity with a string `id`, in id order, a page at a time, each mapped to its item. */
async function* idPages<E extends { id: string }, T>(
  m: EntityManager,
  entity: new () => E,
  item: (row: E) => T,
): AsyncGenerator<T[]> {
  let after = '';
  for (;;) {
    const rows = await m
      .getRepository(entity)
      .createQueryBuilder('e')
      .where('e.id > :after', { after })
      .orderBy('e.id', 'ASC')
      .limit(PAGE)
      .getMany();
    if (rows.length === 0) return;
    after = rows[rows.length - 1]?.id ?? after;
    yield rows.map(item);
    if (rows.length < PAGE) return;
  }
}

/** Households in id order (dissolved ones too), a page at a time. */
const householdPages = (m: EntityManager): AsyncGenerator<SnapshotHousehold[]> =>
  idPages(m, Household, (h) => ({
    id: h.id,
    status: h.status,
    streetId: h.streetId,
    courtyardId: h.courtyardId,
    headResidentId: h.headResidentId,
  }));

/** Houses in id order, a page at a time. */
const housePages = (m: EntityManager): AsyncGenerator<SnapshotHouse[]> =>
  idPages(m, House, (h) => ({
    id: h.id,
    streetId: h.streetId,
    courtyardId: h.courtyardId,
    ownerResidentId: h.ownerResidentId,
    floorArea: h.floorArea,
  }));

/**
 * The people service's snapshot as the read-model catch-up sees it (ADR 0023): every resident fills both
 * `people-residents` and `people-voters`; a snapshot is the one `publish` above writes.
 */
export function peopleSnapshot(ds: DataSource, outbox: Outbox, committed: () => void): SnapshotSource {
  const snapshots = new SnapshotService(ds, outbox, committed);
  return {
    counts: async () => {
      const residents = await ds.getRepository(Resident).count();
      return { 'people-residents': residents, 'people-voters': residents };
    },
    publish: async (actor) => {
      const s = await snapshots.publish(actor);
      return {
        snapshotId: s.snapshotId,
        items: { residents: s.residents, households: s.households, houses: s.houses, parts: s.parts },
      };
    },
  };
}
