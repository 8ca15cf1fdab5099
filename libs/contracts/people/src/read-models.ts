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

  /** ACTIVE while the resident lives in the community; MOVED_OUT after a move-out (DECEASED from a snapshot). */
  @Column({ name: 'status', type: 'varchar', length: 10 })
  status!: 'ACTIVE' | 'MOVED_OUT' | 'DECEASED';

  @Column({ name: 'household_id', type: 'varchar', length: 36, nullable: true })
  householdId!: string | null;

  @Column({ name: 'street_id', type: 'varchar', length: 36, nullable: true })
  streetId!: string | null;

  @Column({ name: 'courtyard_id', type: 'varchar', length: 36, nullable: true })
  courtyardId!: string | null;

  /**
   * The resident's version in people (0 when no event said): a snapshot item, on a topic of its own
   * and so in no order with the resident's events, applies only when the model holds no newer one.
   */
  @Column({ name: 'version', type: 'int', default: 0 })
  version!: number;
}

/** True when the held version is at least the event's (a replay, or older than a snapshot applied). */
function stale(known: ResidentRef | null, version: number | undefined): boolean {
  return known !== null && version !== undefined && known.version >= version;
}

/**
 * Inbox handler of the residents read model. Per-resident events share the resident's key, so they
 * arrive in order; an import's batch events are keyed by the import, and apply each item as the
 * resident's current place. Snapshot parts (ADR 0023) are keyed by the snapshot: every item carries the
 * resident's version and applies unless the model holds a newer one, and events older than what a
 * snapshot brought are skipped, so a snapshot interleaved with changes, or applied twice, ends in the
 * resident's latest state.
 */
export async function applyResidentEvent(event: CloudEvent<unknown>, m: EntityManager): Promise<void> {
  const repo = m.getRepository(ResidentRef);
  if (PeopleEvents.residentMovedIn.matches(event)) {
    const { data } = PeopleEvents.residentMovedIn.parse(event);
    const known = await repo.findOneBy({ id: data.id });
    if (stale(known, data.version)) return;
    await repo.upsert(
      {
        id: data.id,
        status: 'ACTIVE',
        householdId: data.householdId,
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
        householdId: null,
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
      { householdId: data.toHouseholdId, version: data.version ?? known.version },
    );
  } else if (ResidentsImported.matches(event)) {
    // A batch of a few hundred: one read of what is held and one upsert, not two statements per item.
    const { data } = ResidentsImported.parse(event);
    const held = new Map(
      (await repo.findBy({ id: In(data.residents.map((r) => r.id)) })).map((r) => [r.id, r]),
    );
    const rows = data.residents
      .filter((r) => !stale(held.get(r.id) ?? null, r.version))
      .map((r) => ({
        id: r.id,
        status: held.get(r.id)?.status ?? ('ACTIVE' as const),
        householdId: held.get(r.id)?.householdId ?? null,
        streetId: r.streetId,
        courtyardId: r.courtyardId,
        version: r.version,
      }));
    if (rows.length) await repo.upsert(rows, ['id']);
  } else if (PeopleSnapshotEvents.residents.matches(event)) {
    const { data } = PeopleSnapshotEvents.residents.parse(event);
    const ids = data.residents.map((r) => r.id);
    const held = new Map((await repo.findBy({ id: In(ids) })).map((r) => [r.id, r.version]));
    // The whole state at its version: applies unless a newer one is held (at the same version it
    // still applies, filling in what a thinner event of that version left out).
    const rows = data.residents
      .filter((r) => (held.get(r.id) ?? -1) <= r.version)
      .map((r) => ({
        id: r.id,
        status: r.status,
        householdId: r.householdId,
        streetId: r.streetId,
        courtyardId: r.courtyardId,
        version: r.version,
      }));
    if (rows.length) await repo.upsert(rows, ['id']);
  }
}

/** The people snapshot fills it (ADR 0023): every resident, moved out or deceased ones included. */
const residentsCatchUp: ReadModelCatchUp = {
  producer: 'people',
  held: (m) => m.getRepository(ResidentRef).count(),
};

/** `consumes: [RESIDENTS_READ_MODEL]`: the people service's residents in table `people_resident`. */
export const RESIDENTS_READ_MODEL = {
  name: 'people-residents',
  topics: [ResidentsTopic, SnapshotsTopic],
  handler: applyResidentEvent,
  catchUp: residentsCatchUp,
} as const;

/** A resident living in the community, or null: how a consumer checks a resident id (NOT_FOUND otherwise). */
export function activeResident(m: EntityManager, id: string): Promise<ResidentRef | null> {
  return m.getRepository(ResidentRef).findOneBy({ id, status: 'ACTIVE' });
}
