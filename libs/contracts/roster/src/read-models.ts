import { Column, Entity, type EntityManager, Index, PrimaryColumn } from 'typeorm';
import type { CloudEvent, ReadModelCatchUp } from '@sc/events';
import { ChiefEvents, ChiefsTopic, PlacesTopic, RosterEvents } from './events';

/**
 * Read models the roster ships for the services that consume its events, so every consumer keeps
 * the same tables the same way (ADR 0012). A consumer lists the entities among its own (its
 * migrations create the tables) and the consumptions in its service definition.
 */

export type RosterPlaceKind = 'COMMUNITY' | 'RESIDENT_GROUP' | 'STREET' | 'COURTYARD';

/** A place of the roster as others know it: enough to check an id, its kind and where it sits. */
@Entity({ name: 'roster_place' })
@Index('ix_roster_place_parent', ['parentId'])
export class RosterPlace {
  @PrimaryColumn({ name: 'id', type: 'varchar', length: 36 })
  id!: string;

  @Column({ name: 'kind', type: 'varchar', length: 20 })
  kind!: RosterPlaceKind;

  @Column({ name: 'name', type: 'varchar', length: 50 })
  name!: string;

  @Column({ name: 'parent_id', type: 'varchar', length: 36, nullable: true })
  parentId!: string | null;

  @Column({ name: 'community_id', type: 'varchar', length: 36 })
  communityId!: string;

  /** ACTIVE or RETIRED (retired places stay, so history keeps resolving). */
  @Column({ name: 'status', type: 'varchar', length: 10 })
  status!: 'ACTIVE' | 'RETIRED';
}

const CREATED = [
  RosterEvents.communityCreated,
  RosterEvents.residentGroupCreated,
  RosterEvents.streetCreated,
  RosterEvents.courtyardCreated,
];
const RENAMED = [
  RosterEvents.communityRenamed,
  RosterEvents.residentGroupRenamed,
  RosterEvents.streetRenamed,
  RosterEvents.courtyardRenamed,
];
const RETIRED = [
  RosterEvents.communityRetired,
  RosterEvents.residentGroupRetired,
  RosterEvents.streetRetired,
  RosterEvents.courtyardRetired,
];

/** Inbox handler of the places read model (events of one place arrive in order: the key is its id). */
export async function applyPlaceEvent(event: CloudEvent<unknown>, m: EntityManager): Promise<void> {
  const created = CREATED.find((c) => c.matches(event));
  if (created) {
    const { data } = created.parse(event);
    await m.getRepository(RosterPlace).upsert(
      {
        id: data.id,
        kind: data.kind,
        name: data.name,
        parentId: data.parentId,
        communityId: data.communityId,
        status: 'ACTIVE',
      },
      ['id'],
    );
    return;
  }
  if (RosterEvents.placeSnapshot.matches(event)) {
    // The place's whole state, in order with its changes (same topic, same key): it applies as is.
    const { data } = RosterEvents.placeSnapshot.parse(event);
    await m.getRepository(RosterPlace).upsert(
      {
        id: data.id,
        kind: data.kind,
        name: data.name,
        parentId: data.parentId,
        communityId: data.communityId,
        status: data.status,
      },
      ['id'],
    );
    return;
  }
  const renamed = RENAMED.find((c) => c.matches(event));
  if (renamed) {
    const { data } = renamed.parse(event);
    await m.getRepository(RosterPlace).update({ id: data.id }, { name: data.name });
    return;
  }
  const retired = RETIRED.find((c) => c.matches(event));
  if (retired) {
    const { data } = retired.parse(event);
    await m.getRepository(RosterPlace).update({ id: data.id }, { status: 'RETIRED' });
  }
}

/** The roster's snapshot fills it (ADR 0023): every place, retired ones included. */
const placesCatchUp: ReadModelCatchUp = {
  producer: 'roster',
  held: (m) => m.getRepository(RosterPlace).count(),
};

/** `consumes: [PLACES_READ_MODEL]`: the roster's places in table `roster_place`. */
export const PLACES_READ_MODEL = {
  name: 'roster-places',
  topics: [PlacesTopic],
  handler: applyPlaceEvent,
  catchUp: placesCatchUp,
} as const;

/** An active place of this kind, or null: how a consumer checks an id it was given (NOT_FOUND otherwise). */
export function activePlace(
  m: EntityManager,
  id: string,
  kind: RosterPlaceKind,
): Promise<RosterPlace | null> {
  return m.getRepository(RosterPlace).findOneBy({ id, kind, status: 'ACTIVE' });
}

/** The chief in charge of a grid, as others know it: who, and whether appointed or suspended. */
@Entity({ name: 'grid_chief' })
@Index('ix_grid_chief_chief', ['chiefId'])
export class GridChief {
  @PrimaryColumn({ name: 'grid_id', type: 'varchar', length: 36 })
  gridId!: string;

  @Column({ name: 'chief_id', type: 'varchar', length: 36 })
  chiefId!: string;

  /** The chief's resident id in the people service. */
  @Column({ name: 'resident_id', type: 'varchar', length: 36 })
  residentId!: string;

  @Column({ name: 'status', type: 'varchar', length: 10 })
  status!: 'APPOINTED' | 'SUSPENDED';
}

/**
 * Inbox handler of the grid-chief read model: appointed → the grid's chief; suspended/resumed →
 * its status; retired → the grid has none. Events of one chief arrive in order (key: chief id).
 */
export async function applyChiefEvent(event: CloudEvent<unknown>, m: EntityManager): Promise<void> {
  const repo = m.getRepository(GridChief);
  if (ChiefEvents.chiefAppointed.matches(event)) {
    const { data } = ChiefEvents.chiefAppointed.parse(event);
    await repo.upsert(
      { gridId: data.gridId, chiefId: data.id, residentId: data.residentId, status: 'APPOINTED' },
      ['gridId'],
    );
  } else if (ChiefEvents.chiefSuspended.matches(event)) {
    const { data } = ChiefEvents.chiefSuspended.parse(event);
    await repo.update({ chiefId: data.id }, { status: 'SUSPENDED' });
  } else if (ChiefEvents.chiefResumed.matches(event)) {
    const { data } = ChiefEvents.chiefResumed.parse(event);
    await repo.update({ chiefId: data.id }, { status: 'APPOINTED' });
  } else if (ChiefEvents.chiefRetired.matches(event)) {
    const { data } = ChiefEvents.chiefRetired.parse(event);
    await repo.delete({ chiefId: data.id });
  } else if (ChiefEvents.chiefSnapshot.matches(event)) {
    // The chief's state, in order with its own changes (same key). Appointed or suspended: the
    // grid's chief (as an appointment would make it); anything else: in charge of no grid.
    const { data } = ChiefEvents.chiefSnapshot.parse(event);
    if ((data.status === 'APPOINTED' || data.status === 'SUSPENDED') && data.gridId) {
      await repo.delete({ chiefId: data.id });
      await repo.upsert(
        { gridId: data.gridId, chiefId: data.id, residentId: data.residentId, status: data.status },
        ['gridId'],
      );
    } else {
      await repo.delete({ chiefId: data.id });
    }
  }
}

/** Chiefs in charge of a grid (appointed or suspended) in the roster: what `grid_chief` holds. */
const chiefsCatchUp: ReadModelCatchUp = {
  producer: 'roster',
  held: (m) => m.getRepository(GridChief).count(),
};

/** `consumes: [GRID_CHIEFS_READ_MODEL]`: who is in charge of each grid, in table `grid_chief`. */
export const GRID_CHIEFS_READ_MODEL = {
  name: 'roster-chiefs',
  topics: [ChiefsTopic],
  handler: applyChiefEvent,
  catchUp: chiefsCatchUp,
} as const;

/** The appointed (not suspended) chief of a grid, or null. */
export function appointedChief(m: EntityManager, gridId: string): Promise<GridChief | null> {
  return m.getRepository(GridChief).findOneBy({ gridId, status: 'APPOINTED' });
}
