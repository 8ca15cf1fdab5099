import { Column, Entity, type EntityManager, Index, PrimaryColumn } from 'typeorm';
import type { CloudEvent } from '@sc/events';
import { PeopleEvents, ResidentsImported, ResidentsTopic } from './events';

/**
 * The residents as other services know them — ids and places, never names or ID numbers — kept
 * from the people service's events (ADR 0012). A consumer lists `ResidentRef` among its entities
 * and `RESIDENTS_READ_MODEL` in its `consumes`.
 */
@Entity({ name: 'people_resident' })
@Index('ix_people_resident_household', ['householdId'])
@Index('ix_people_resident_street', ['streetId'])
export class ResidentRef {
  @PrimaryColumn({ name: 'id', type: 'varchar', length: 36 })
  id!: string;

  /** ACTIVE while the resident lives in the community; MOVED_OUT after a move-out. */
  @Column({ name: 'status', type: 'varchar', length: 10 })
  status!: 'ACTIVE' | 'MOVED_OUT';

  @Column({ name: 'household_id', type: 'varchar', length: 36, nullable: true })
  householdId!: string | null;

  @Column({ name: 'street_id', type: 'varchar', length: 36, nullable: true })
  streetId!: string | null;

  @Column({ name: 'courtyard_id', type: 'varchar', length: 36, nullable: true })
  courtyardId!: string | null;
}

/**
 * Inbox handler of the residents read model. Per-resident events share the resident's key, so they
 * arrive in order; an import's batch events are keyed by the import, and apply each item as the
 * resident's current place.
 */
export async function applyResidentEvent(event: CloudEvent<unknown>, m: EntityManager): Promise<void> {
  const repo = m.getRepository(ResidentRef);
  if (PeopleEvents.residentMovedIn.matches(event)) {
    const { data } = PeopleEvents.residentMovedIn.parse(event);
    await repo.upsert(
      {
        id: data.id,
        status: 'ACTIVE',
        householdId: data.householdId,
        streetId: data.streetId,
        courtyardId: data.courtyardId,
      },
      ['id'],
    );
  } else if (PeopleEvents.residentMovedOut.matches(event)) {
    const { data } = PeopleEvents.residentMovedOut.parse(event);
    await repo.upsert(
      {
        id: data.id,
        status: 'MOVED_OUT',
        householdId: null,
        streetId: data.streetId,
        courtyardId: data.courtyardId,
      },
      ['id'],
    );
  } else if (PeopleEvents.residentHouseholdChanged.matches(event)) {
    const { data } = PeopleEvents.residentHouseholdChanged.parse(event);
    await repo.update({ id: data.id }, { householdId: data.toHouseholdId });
  } else if (ResidentsImported.matches(event)) {
    const { data } = ResidentsImported.parse(event);
    for (const r of data.residents) {
      const known = await repo.findOneBy({ id: r.id });
      await repo.upsert(
        {
          id: r.id,
          status: known?.status ?? 'ACTIVE',
          householdId: known?.householdId ?? null,
          streetId: r.streetId,
          courtyardId: r.courtyardId,
        },
        ['id'],
      );
    }
  }
}

/** `consumes: [RESIDENTS_READ_MODEL]`: the people service's residents in table `people_resident`. */
export const RESIDENTS_READ_MODEL = {
  name: 'people-residents',
  topics: [ResidentsTopic],
  handler: applyResidentEvent,
} as const;

/** A resident living in the community, or null: how a consumer checks a resident id (NOT_FOUND otherwise). */
export function activeResident(m: EntityManager, id: string): Promise<ResidentRef | null> {
  return m.getRepository(ResidentRef).findOneBy({ id, status: 'ACTIVE' });
}
