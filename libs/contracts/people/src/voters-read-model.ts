import { Column, Entity, type EntityManager, In, Index, PrimaryColumn } from 'typeorm';
import type { CloudEvent, ReadModelCatchUp } from '@sc/events';
import {
  PeopleEvents,
  PeopleSnapshotEvents,
  ResidentsImported,
  ResidentsTopic,
  SnapshotsTopic,
} from './events';

/**
 * What an electorate needs to know of the people (deliberation: households, adult residents, homeowners
 * with their floor area), kept from the people service's events and snapshots: ids, places, household,
 * relationship to the head, birth year, houses with owner and floor area — never a name, an ID number, a
 * phone or a door. A consumer lists `VOTERS_ENTITIES` among its entities and `VOTERS_READ_MODEL` in its
 * `consumes`; a new consumer bootstraps from a snapshot (`publishPeopleSnapshot`, the demo seed's).
 */
@Entity({ name: 'people_voter' })
@Index('ix_people_voter_street', ['streetId', 'status'])
@Index('ix_people_voter_courtyard', ['courtyardId', 'status'])
@Index('ix_people_voter_household', ['householdId'])
export class PeopleVoter {
  @PrimaryColumn({ name: 'id', type: 'varchar', length: 36 })
  id!: string;

  /** ACTIVE while living in the community; MOVED_OUT or DECEASED otherwise. */
  @Column({ name: 'status', type: 'varchar', length: 10 })
  status!: 'ACTIVE' | 'MOVED_OUT' | 'DECEASED';

  /** Year of birth; null when only events older than the field were seen (not an adult then). */
  @Column({ name: 'birth_year', type: 'smallint', nullable: true })
  birthYear!: number | null;

  @Column({ name: 'household_id', type: 'varchar', length: 36, nullable: true })
  householdId!: string | null;

  /** Relationship to the household head (`HEAD` for the head), null without a household. */
  @Column({ name: 'relationship', type: 'varchar', length: 20, nullable: true })
  relationship!: string | null;

  @Column({ name: 'street_id', type: 'varchar', length: 36, nullable: true })
  streetId!: string | null;

  @Column({ name: 'courtyard_id', type: 'varchar', length: 36, nullable: true })
  courtyardId!: string | null;

  /** The resident's version in people (0 when no event said): older items are ignored. */
  @Column({ name: 'version', type: 'int' })
  version!: number;
}

/** A house (实有房屋) with its owning resident and floor area (民法典 §278 weights). */
@Entity({ name: 'people_house' })
@Index('ix_people_house_street', ['streetId'])
@Index('ix_people_house_courtyard', ['courtyardId'])
@Index('ix_people_house_owner', ['ownerResidentId'])
export class PeopleHouse {
  @PrimaryColumn({ name: 'id', type: 'varchar', length: 36 })
  id!: string;

  @Column({ name: 'street_id', type: 'varchar', length: 36 })
  streetId!: string;

  @Column({ name: 'courtyard_id', type: 'varchar', length: 36, nullable: true })
  courtyardId!: string | null;

  @Column({ name: 'owner_resident_id', type: 'varchar', length: 36, nullable: true })
  ownerResidentId!: string | null;

  /** m², two decimals; null when not recorded. */
  @Column({
    name: 'floor_area',
    type: 'decimal',
    precision: 8,
    scale: 2,
    nullable: true,
    transformer: {
      to: (v: number | null | undefined) => v,
      from: (v: string | number | null) => (v === null || v === undefined ? null : Number(v)),
    },
  })
  floorArea!: number | null;
}

/** A snapshot whose `completed` event was applied: the read model holds at least that state. */
@Entity({ name: 'people_snapshot' })
export class PeopleSnapshotMark {
  @PrimaryColumn({ name: 'snapshot_id', type: 'varchar', length: 36 })
  snapshotId!: string;

  @Column({ name: 'residents', type: 'int' })
  residents!: number;

  @Column({ name: 'houses', type: 'int' })
  houses!: number;

  @Column({ name: 'taken_at', type: 'datetime', precision: 3 })
  takenAt!: Date;
}

/** The tables of the voters read model (a consumer's entities). */
export const VOTERS_ENTITIES = [PeopleVoter, PeopleHouse, PeopleSnapshotMark];

/** True when the held version is at least the item's (the item is old news). */
function stale(known: PeopleVoter | null | undefined, version: number | undefined): boolean {
  return known !== null && known !== undefined && version !== undefined && known.version >= version;
}

/** True when the held version is newer than the item's. */
function olderThanHeld(known: PeopleVoter | null | undefined, version: number): boolean {
  return known !== null && known !== undefined && known.version > version;
}

/**
 * Inbox handler of the voters read model. Per-resident events are keyed by the resident and arrive in
 * order; snapshots and imports are keyed by their own id, so every item carries the resident version and
 * applies only when newer than what is held.
 */
export async function applyVoterEvent(event: CloudEvent<unknown>, m: EntityManager): Promise<void> {
  const repo = m.getRepository(PeopleVoter);
  if (PeopleEvents.residentMovedIn.matches(event)) {
    const { data } = PeopleEvents.residentMovedIn.parse(event);
    const known = await repo.findOneBy({ id: data.id });
    if (stale(known, data.version)) return;
    await repo.upsert(
      {
        id: data.id,
        status: 'ACTIVE',
        birthYear: data.birthYear ?? known?.birthYear ?? null,
        householdId: data.householdId,
        relationship: data.householdId ? data.relationship : null,
        streetId: data.streetId,
        courtyardId: data.courtyardId,
        version: data.version ?? known?.version ?? 0,
      },
      ['id'],
    );
  } else if (PeopleEvents.residentMovedOut.matches(event)) {
    const { data } = PeopleEvents.residentMovedOut.parse(event);
    const known = await repo.findOneBy({ id: data.id });
    if (stale(known, data.version)) return;
    await repo.upsert(
      {
        id: data.id,
        status: 'MOVED_OUT',
        birthYear: known?.birthYear ?? null,
        householdId: null,
        relationship: null,
        streetId: data.streetId,
        courtyardId: data.courtyardId,
        version: data.version ?? known?.version ?? 0,
      },
      ['id'],
    );
  } else if (PeopleEvents.residentHouseholdChanged.matches(event)) {
    const { data } = PeopleEvents.residentHouseholdChanged.parse(event);
    const known = await repo.findOneBy({ id: data.id });
    if (!known || stale(known, data.version)) return;
    await repo.update(
      { id: data.id },
      {
        householdId: data.toHouseholdId,
        relationship: data.toHouseholdId ? data.relationship : null,
        ...(data.streetId !== undefined ? { streetId: data.streetId } : {}),
        ...(data.courtyardId !== undefined ? { courtyardId: data.courtyardId } : {}),
        version: data.version ?? known.version,
      },
    );
  } else if (ResidentsImported.matches(event)) {
    const { data } = ResidentsImported.parse(event);
    const known = await heldVersions(
      m,
      data.residents.map((r) => r.id),
    );
    const rows = data.residents
      .filter((r) => !stale(known.get(r.id), r.version))
      .map((r) => {
        const k = known.get(r.id);
        return {
          id: r.id,
          status: k?.status ?? ('ACTIVE' as const),
          birthYear: r.birthYear ?? k?.birthYear ?? null,
          householdId: k?.householdId ?? null,
          relationship: k?.relationship ?? null,
          streetId: r.streetId,
          courtyardId: r.courtyardId,
          version: r.version,
        };
      });
    if (rows.length) await repo.upsert(rows, ['id']);
  } else if (PeopleSnapshotEvents.residents.matches(event)) {
    const { data } = PeopleSnapshotEvents.residents.parse(event);
    const known = await heldVersions(
      m,
      data.residents.map((r) => r.id),
    );
    // A snapshot item is the whole state at its version: it applies unless the model holds a newer
    // one. At the same version it still applies, filling in what a thinner event of that version
    // (residents.imported carries no household) left out.
    const rows = data.residents.filter((r) => !olderThanHeld(known.get(r.id), r.version));
    if (rows.length) await repo.upsert(rows, ['id']);
  } else if (PeopleSnapshotEvents.houses.matches(event)) {
    const { data } = PeopleSnapshotEvents.houses.parse(event);
    await m.getRepository(PeopleHouse).upsert(data.houses, ['id']);
  } else if (PeopleSnapshotEvents.completed.matches(event)) {
    const { data } = PeopleSnapshotEvents.completed.parse(event);
    await m.getRepository(PeopleSnapshotMark).upsert(
      {
        snapshotId: data.snapshotId,
        residents: data.residents,
        houses: data.houses,
        takenAt: new Date(data.takenAt),
      },
      ['snapshotId'],
    );
  }
}

async function heldVersions(m: EntityManager, ids: string[]): Promise<Map<string, PeopleVoter>> {
  const rows = ids.length ? await m.getRepository(PeopleVoter).findBy({ id: In(ids) }) : [];
  return new Map(rows.map((r) => [r.id, r]));
}

/** `consumes: [VOTERS_READ_MODEL]`: residents and houses for electorates, in `people_voter`/`people_house`. */
export const VOTERS_READ_MODEL = {
  name: 'people-voters',
  topics: [ResidentsTopic, SnapshotsTopic],
  handler: applyVoterEvent,
  catchUp: {
    producer: 'people',
    held: (m) => m.getRepository(PeopleVoter).count(),
  } satisfies ReadModelCatchUp,
} as const;

/** Whether a completed snapshot was applied (a consumer's seed waits for one on a fresh start). */
export async function hasSnapshot(m: EntityManager): Promise<boolean> {
  return (await m.getRepository(PeopleSnapshotMark).count({ take: 1 })) > 0;
}
